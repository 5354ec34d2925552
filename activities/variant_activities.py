"""The variants' activity blueprints (issue 7), registered by ``function_app/blueprints.py``."""

import azure.durable_functions as df

from activities.recovery_plans import bp as recovery_plans_bp
from activities.vault_cache import bp as vault_cache_bp
from activities.vmware import bp as vmware_bp
from activities.vmware_refresh import bp as vmware_refresh_bp

VARIANT_ACTIVITY_BLUEPRINTS: list[df.Blueprint] = [
    vmware_bp,
    vmware_refresh_bp,
    recovery_plans_bp,
    vault_cache_bp,
]

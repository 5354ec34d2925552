"""The failback activities' blueprints, registered by ``function_app/blueprints.py``."""

import azure.durable_functions as df

from activities.callback import bp as callback_bp
from activities.items import bp as items_bp
from activities.jobs import bp as jobs_bp
from activities.operations import bp as operations_bp
from activities.preflight import bp as preflight_bp
from activities.report_seal import bp as report_seal_bp
from activities.verify import bp as verify_bp

FAILBACK_ACTIVITY_BLUEPRINTS: list[df.Blueprint] = [
    items_bp,
    preflight_bp,
    operations_bp,
    jobs_bp,
    verify_bp,
    callback_bp,
    report_seal_bp,
]

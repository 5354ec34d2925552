"""The list of blueprints the app registers. Add one line per blueprint."""

import azure.durable_functions as df

from activities.failback import FAILBACK_ACTIVITY_BLUEPRINTS
from activities.notify import bp as notify_bp
from activities.variant_activities import VARIANT_ACTIVITY_BLUEPRINTS
from function_app.alerts import bp as alerts_bp
from function_app.approvals import bp as approvals_bp
from function_app.azure_wait_route import bp as azure_wait_bp
from function_app.failbacks import bp as failbacks_bp
from function_app.health import bp as health_bp
from function_app.history_purge import bp as history_purge_bp
from function_app.item_locks import bp as item_locks_bp
from function_app.openapi import bp as openapi_bp
from function_app.outbox import bp as outbox_bp
from function_app.report_export import bp as report_export_bp
from function_app.run_status import bp as run_status_bp
from function_app.status_pages import bp as status_pages_bp
from function_app.verification_route import bp as verification_bp
from orchestrators.approval_gate import bp as approval_gate_bp
from orchestrators.job_wait import bp as job_wait_bp
from orchestrators.runbook.failback import bp as failback_bp

BLUEPRINTS: list[df.Blueprint] = [
    health_bp,
    approval_gate_bp,
    failback_bp,
    job_wait_bp,
    notify_bp,
    approvals_bp,
    failbacks_bp,
    verification_bp,
    azure_wait_bp,
    run_status_bp,
    report_export_bp,
    outbox_bp,
    status_pages_bp,
    alerts_bp,
    openapi_bp,
    history_purge_bp,
    item_locks_bp,
    *FAILBACK_ACTIVITY_BLUEPRINTS,
    *VARIANT_ACTIVITY_BLUEPRINTS,
]

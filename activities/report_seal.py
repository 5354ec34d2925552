"""Activity ``seal_report``: sign a run's record when the run ends (issue 13, part 5).

Input ``{integrity}`` (the block ``domain.report_seal.chain_report`` computed in the orchestrator;
``runId``/``phase`` as for every activity); output ``{signature}``. Only the activity reads the
signing key (``APPROVAL_SIGNING_KEY``, a Key Vault reference in Azure): the orchestration, its
history and its custom status never hold it. The signature covers the head of the hash chain, so
an edit of the stored record afterwards is found on export and by ``cli verify-report``.
"""

from __future__ import annotations

import azure.durable_functions as df

from clients.settings import get_settings
from domain.report_seal import SEALED_AT_RUN_END, sign_integrity
from notifications.links import keyring

bp = df.Blueprint()


@bp.activity_trigger(input_name="data")
def seal_report(data: dict) -> dict:
    """Sign the record's integrity block with the current signing key."""
    integrity = data.get("integrity")
    if not isinstance(integrity, dict) or not integrity.get("head"):
        raise ValueError("seal_report needs the report's integrity block")
    return {"signature": sign_integrity(keyring(get_settings()), integrity, SEALED_AT_RUN_END)}

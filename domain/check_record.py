"""A pre-flight check as recorded: English texts for the API and tests, catalog messages for pages.

Every Hyper-V rule returns ``{id, rule, passed, evidence, remedy?, messages}``; ``messages`` holds the
``domain.i18n.message`` of each text so pages and reports show it in their reader's language.
"""

from __future__ import annotations

from typing import Any

from domain.i18n import N_, message

Check = dict[str, Any]


#: A recorded text (``domain.i18n.message``), or several shown joined by "; " (an evidence list).
Text = dict[str, Any] | list[dict[str, Any]]


DEFAULT_REMEDY = N_("Fix the condition, then start a new failback.")


def english_text(msg: Text | str) -> str:
    """The English text of a message or of a list of messages."""
    if isinstance(msg, str):
        return msg
    return "; ".join(m["text"] for m in msg) if isinstance(msg, list) else str(msg["text"])


def record_check(
    rule_id: str, rule: Text, passed: bool, evidence: Text | str, remedy: Text | None = None
) -> Check:
    """A check with its English texts (read by the API and tests) and their ``messages`` (pages)."""
    messages: dict[str, Text] = {"rule": rule}
    if not isinstance(evidence, str):
        messages["evidence"] = evidence
    out: Check = {
        "id": rule_id,
        "rule": english_text(rule),
        "passed": passed,
        "evidence": english_text(evidence),
    }
    if not passed:
        messages["remedy"] = remedy or message(DEFAULT_REMEDY)
        out["remedy"] = english_text(messages["remedy"])
    out["messages"] = messages
    return out

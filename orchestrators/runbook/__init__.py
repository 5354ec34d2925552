"""The failback runbook (W1, seeds 000/001): ``failback.py`` reads as the seed's steps.

Collaborators, each one job, composed by :class:`orchestrators.runbook.run.Run`:

- ``state.py``: what one run knows, its timeline and custom status; ``RunStopped``;
- ``cancel.py``: the cancel listener every wait goes through (H10 rules);
- ``jobs.py``: activities and ASR jobs (start, wait in ``wait_for_asr_job``, retry, abandon);
- ``gates.py``: approval gates and the hold after a failed verification;
- ``run.py``: the run, composed of the above;
- ``preflight.py``, ``steps.py``, ``verify.py``: the phases; ``report.py``: the report (phase 9).
"""

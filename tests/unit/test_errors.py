"""Stable error codes and their parsing from activity failure text (contracts §5)."""

import pickle

from domain.errors import ERROR_CODES, FailbackError, RequestInvalid, parse_error, remedy_for


def test_str_leads_with_the_code_and_keeps_one_line():
    err = FailbackError("ASR_JOB_FAILED", "job 42 failed:\n disk busy")
    assert str(err) == "[ASR_JOB_FAILED] job 42 failed: disk busy"
    assert err.remedy == ERROR_CODES["ASR_JOB_FAILED"]


def test_parse_error_finds_the_code_inside_the_sdk_wrapping_and_traceback():
    text = (
        "Activity function 'start_failback' failed: FailbackError: [SCENARIO_IN_PROGRESS] "
        "item web01 runs TestFailover\nTraceback (most recent call last):\n  File x.py [NOT_A_CODE] y"
    )
    assert parse_error(text) == ("SCENARIO_IN_PROGRESS", "item web01 runs TestFailover")


def test_parse_error_prefers_a_known_code_and_falls_back_to_unexpected():
    assert parse_error("[ABC_DEF] x [ARM_THROTTLED] retry later") == ("ARM_THROTTLED", "retry later")
    assert parse_error("[CUSTOM_THING] odd") == ("CUSTOM_THING", "odd")
    assert parse_error("\n  ValueError: boom\nmore") == ("UNEXPECTED", "ValueError: boom")
    assert parse_error(None) == ("UNEXPECTED", "no error text")


def test_round_trip_through_str_and_pickle_keeps_code_remedy_and_details():
    err = FailbackError("VERIFY_FAILED", "no heartbeat", remedy="look", details={"computer": "web01"})
    assert parse_error(str(err)) == ("VERIFY_FAILED", "no heartbeat")
    copy = pickle.loads(pickle.dumps(err))
    assert copy.to_dict() == err.to_dict()


def test_request_invalid_lists_every_reason():
    err = RequestInvalid(["vault: required", "item: required"])
    assert err.code == "REQUEST_INVALID"
    assert err.reasons == ["vault: required", "item: required"]
    assert str(err) == "[REQUEST_INVALID] vault: required; item: required"
    assert pickle.loads(pickle.dumps(err)).reasons == err.reasons


def test_every_code_has_a_remedy_and_unknown_codes_get_the_generic_one():
    assert all(text.strip() for text in ERROR_CODES.values())
    assert remedy_for("NOPE") == ERROR_CODES["UNEXPECTED"]
    assert "H10" in ERROR_CODES["CANCEL_REFUSED_DATA_SYNC"]

"""levy.vies.client against a fake VIES on loopback: valid, invalid, unknown (never invalid
for an outage), within the timeout plus a second; and ``levy vies check``."""

from __future__ import annotations

import json
import time

import pytest
from fake_vies import FakeVies
from typer.testing import CliRunner

from levy.cli import app

from levy.vies.client import NotInVies, check, interpret

REQUESTER = "DE811907980"


@pytest.fixture
def vies():
    with FakeVies({
        "DE136695976": "registered",
        "FR40303265045": "MS_UNAVAILABLE",
        "ATU13585627": "MS_MAX_CONCURRENT_REQ",
        "IT00743110157": ("slow", 3.0),
        "NL004495445B01": "http500",
        "EL094014201": "registered",
    }) as fake:
        yield fake


def test_registered_is_valid_with_the_consultation_number(vies):
    answer = check("DE 136 695 976", url=vies.url, requester=REQUESTER)
    assert (answer.state, answer.vat_number, answer.error) == ("valid", "DE136695976", None)
    assert answer.consultation_number.startswith("WAPIAAAA")
    assert answer.name == "TRADER DE136695976" and answer.checked_at == "2026-12-01T10:00:00.000Z"
    assert vies.requests[-1] == {"countryCode": "DE", "vatNumber": "136695976",
                                 "requesterMemberStateCode": "DE", "requesterNumber": "811907980"}


def test_without_a_requester_there_is_no_consultation_number(vies):
    answer = check("DE136695976", url=vies.url)
    assert answer.state == "valid" and answer.consultation_number is None
    assert vies.requests[-1] == {"countryCode": "DE", "vatNumber": "136695976"}


def test_greece_is_asked_as_EL(vies):
    assert check("GR094014201", url=vies.url).state == "valid"
    assert vies.requests[-1]["countryCode"] == "EL"


def test_not_registered_is_invalid(vies):
    answer = check("DE123456788", url=vies.url)
    assert (answer.state, answer.error, answer.name) == ("invalid", None, None)


@pytest.mark.parametrize("number, error", [
    ("FR40303265045", "MS_UNAVAILABLE"),
    ("ATU13585627", "MS_MAX_CONCURRENT_REQ"),
    ("NL004495445B01", "SERVICE_UNAVAILABLE"),
], ids=["member-state-unavailable", "concurrency-limit", "http-500"])
def test_faults_are_unknown_never_invalid(vies, number, error):
    answer = check(number, url=vies.url)
    assert (answer.state, answer.error) == ("unknown", error)


def test_a_reply_slower_than_the_timeout_is_unknown_within_timeout_plus_a_second(vies):
    started = time.monotonic()
    answer = check("IT00743110157", url=vies.url, timeout=1.0)
    elapsed = time.monotonic() - started
    assert answer.state == "unknown" and answer.error.startswith("TIMEOUT")
    assert elapsed < 2.0


def test_network_error_is_unknown():
    with FakeVies() as fake:
        url = fake.url
    answer = check("DE136695976", url=url, timeout=1.0)  # the server is gone: connection refused
    assert answer.state == "unknown" and answer.error.startswith("NETWORK_ERROR")


def test_a_checksum_failure_is_invalid_without_a_call(vies):
    answer = check("DE136695977", url=vies.url)
    assert answer.state == "invalid" and answer.error.startswith("CHECKSUM_INVALID")
    assert sum(vies.calls.values()) == 0


def test_numbers_outside_vies_are_refused():
    with pytest.raises(NotInVies, match="'GB'"):
        check("GB980780684")


@pytest.mark.parametrize("status, body, state, error", [
    (200, b'{"valid": true, "requestDate": "2026-12-01", "userError": "VALID"}', "valid", None),
    (200, b'{"valid": false, "userError": "MS_UNAVAILABLE"}', "unknown", "MS_UNAVAILABLE"),
    (200, b'{"valid": false, "userError": "IP_BLOCKED"}', "unknown", "IP_BLOCKED"),
    (200, b'{"actionSucceed": false, "errorWrappers": [{"error": "TIMEOUT"}]}', "unknown", "TIMEOUT"),
    (200, b'{"actionSucceed": false, "errorWrappers": [{"error": "GLOBAL_MAX_CONCURRENT_REQ"}]}',
     "unknown", "GLOBAL_MAX_CONCURRENT_REQ"),
    (502, b"<html>Bad gateway</html>", "unknown", "BAD_RESPONSE: HTTP 502"),
    (200, b'{"valid": "yes"}', "unknown", "BAD_RESPONSE: HTTP 200"),
], ids=["valid", "ms-unavailable-usererror", "ip-blocked", "timeout-fault", "global-limit", "html", "odd"])
def test_interpret(status, body, state, error):
    answer = interpret("DE136695976", status, body, now="2026-12-01T00:00:00Z")
    assert (answer.state, answer.error) == (state, error)


runner = CliRunner()


def _levy(*args):
    return runner.invoke(app, list(args))


def test_levy_vies_check_prints_one_json_line_and_exits_by_state(vies):
    done = _levy("vies", "check", "DE136695976", "--vies-url", vies.url, "--requester", REQUESTER)
    assert done.exit_code == 0, done.output
    line = json.loads(done.stdout)
    assert list(line) == ["vat_number", "state", "checked_at", "consultation_number", "name", "error"]
    assert line["state"] == "valid" and line["consultation_number"].startswith("WAPIAAAA")
    unknown = _levy("vies", "check", "FR40303265045", "--vies-url", vies.url, "--timeout", "2")
    assert unknown.exit_code == 1 and json.loads(unknown.stdout)["state"] == "unknown"
    invalid = _levy("vies", "check", "DE123456788", "--vies-url", vies.url)
    assert invalid.exit_code == 2 and json.loads(invalid.stdout)["state"] == "invalid"
    outside = _levy("vies", "check", "GB980780684")
    assert outside.exit_code == 2 and "'GB'" in outside.stderr and outside.stdout == ""

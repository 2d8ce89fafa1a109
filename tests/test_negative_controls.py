"""Every conformance case must FAIL a client with the defect it exists to catch, and PASS the same client without it.

The control client (tests/controls/scapy_client.py) is a real process on the lab link, judged through the command
line like any DUT; --strict makes a broken SHOULD a FAIL, so each case's verdict here is PASS or FAIL.
"""
import pytest

from conftest import control_profile, junit_outcomes, run_cli

pytestmark = pytest.mark.lab

CASES = ["C-PREF-255", "C-PREF-WAIT", "C-PREF-HIGHEST", "C-PREF-ABSENT", "C-PREF-LATE-255", "C-PREF-AFTER-RT",
         "C-SOL-RT"]

# defect -> the cases it must fail
EXPECTED_FAILURES = {
    "ignore-255": ["C-PREF-255", "C-PREF-LATE-255"],
    "first-advertise": ["C-PREF-WAIT", "C-PREF-HIGHEST", "C-PREF-ABSENT"],
    "lowest-pref": ["C-PREF-HIGHEST", "C-PREF-ABSENT"],
    "absent-as-255": ["C-PREF-ABSENT"],
    "rewait": ["C-PREF-AFTER-RT"],
    "new-xid": ["C-SOL-RT"],
    "frozen-elapsed": ["C-SOL-RT"],
    "constant-rt": ["C-SOL-RT"],
}


def _judge(tmp_path, defect, cases):
    junit = tmp_path / "junit.xml"
    args = ["run", "--profile", str(control_profile(tmp_path, defect)), "--strict",
            "--report-dir", str(tmp_path / "reports"), "--junit", str(junit)]
    for case_id in cases:
        args += ["--case", case_id]
    result = run_cli(*args)
    return result, junit_outcomes(junit)


def test_correct_client_passes_every_case(tmp_path):
    result, outcomes = _judge(tmp_path, "none", CASES)
    assert {cid: o["outcome"] for cid, o in outcomes.items()} == {cid: "PASS" for cid in CASES}, result.stdout
    assert result.returncode == 0


@pytest.mark.parametrize("defect", sorted(EXPECTED_FAILURES))
def test_defect_fails_its_cases(tmp_path, defect):
    cases = EXPECTED_FAILURES[defect]
    result, outcomes = _judge(tmp_path, defect, cases)
    assert {cid: o["outcome"] for cid, o in outcomes.items()} == {cid: "FAIL" for cid in cases}, result.stdout
    assert result.returncode == 1


def test_every_case_has_a_control():
    from conformance import caseinfo
    covered = {cid for cases in EXPECTED_FAILURES.values() for cid in cases}
    assert set(caseinfo.load_all()) == covered == set(CASES)

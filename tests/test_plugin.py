"""The plugin's outcome mapping, run through pytester as a user runs the cases under plain pytest: only a Violation
is a FAIL; an assert anywhere else (scapy, pyroute2, a helper) and a broken scenario are ERROR; pytest's status 2
means "interrupted" only after a real interrupt."""
import pytest

from conftest import control_profile, junit_outcomes
from conformance.cli import _exit_status
from conformance.results import CaseResult, Level, Outcome

pytest_plugins = ["pytester"]

CASES = '''
from conformance.caseinfo import MUST, case
from conformance.results import HarnessError, Violation


@case("X-ASSERT", rfc=["RFC 0"], level=MUST)
def test_an_assert_in_a_helper(dut_profile):
    """An assert that is no verdict."""
    assert 1 == 2


@case("X-VIOLATION", rfc=["RFC 0"], level=MUST)
def test_a_violation(dut_profile):
    """A broken requirement."""
    raise Violation("RFC 0: x", "1", "2")


@case("X-SCENARIO", rfc=["RFC 0"], level=MUST)
def test_a_broken_scenario(dut_profile):
    """A scenario that did not hold."""
    raise HarnessError("the scenario did not hold: s1 was late")
'''

SILENT_SERVERS = '''
import conformance.testbed as testbed

_server = testbed.ClientTestbed.server


def _silent(self, *args, **kwargs):
    server = _server(self, *args, **kwargs)
    server.silence()
    return server


testbed.ClientTestbed.server = _silent
'''


@pytest.mark.lab
def test_only_a_violation_is_a_fail(pytester, tmp_path):
    pytester.makepyfile(test_cases=CASES)
    junit = tmp_path / "junit.xml"
    pytester.runpytest_subprocess("--dut-profile", str(control_profile(tmp_path, "none")),
                                  "--dhcpv6-junit", str(junit), "--report-dir", str(tmp_path / "reports"))
    outcomes = {cid: o["outcome"] for cid, o in junit_outcomes(junit).items()}
    assert outcomes == {"X-ASSERT": "ERROR", "X-VIOLATION": "FAIL", "X-SCENARIO": "ERROR"}


@pytest.mark.lab
def test_a_server_that_never_answers_is_an_error_not_the_duts_fail(pytester, tmp_path):
    pytester.makepyfile(silent_servers=SILENT_SERVERS)
    junit = tmp_path / "junit.xml"
    pytester.runpytest_subprocess("-p", "silent_servers", "--pyargs", "conformance.cases.client.test_server_selection",
                                  "--dut-profile", str(control_profile(tmp_path, "none")), "--case", "C-PREF-255",
                                  "--case", "C-PREF-HIGHEST", "--dhcpv6-junit", str(junit),
                                  "--report-dir", str(tmp_path / "reports"))
    outcomes = junit_outcomes(junit)
    assert {cid: o["outcome"] for cid, o in outcomes.items()} == {"C-PREF-255": "ERROR", "C-PREF-HIGHEST": "ERROR"}


def _result(outcome):
    return CaseResult("C-X", "dut", outcome, Level.MUST, ("RFC 0",), "t")


def test_exit_status_two_without_an_interrupt_is_not_130():
    assert _exit_status([], False, 2) == 3       # a case module that failed to load
    assert _exit_status([], False, 4) == 2       # pytest usage error
    assert _exit_status([_result(Outcome.ERROR)], False, 1) == 3
    assert _exit_status([_result(Outcome.FAIL), _result(Outcome.ERROR)], False, 1) == 1
    assert _exit_status([_result(Outcome.WARN)], True, 0) == 1


@pytest.mark.lab
def test_plain_pytest_selects_cases_by_the_names_reports_print(tmp_path):
    """Node IDs are function names; -k also matches the case ID, and a model's bracketed name."""
    import subprocess
    import sys
    from conftest import PROJECT
    listed = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.cases", "-p", "no:cacheprovider",
                             "-q", "--co", "--dut-profile", str(PROJECT / "profiles" / "dhclient.toml"),
                             "--report-dir", str(tmp_path), "-k", "C-PREF-255 or C-REBIND-OTHER[split]"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120).stdout
    chosen = [line for line in listed.splitlines() if "::" in line]
    assert len(chosen) == 2 and any(line.endswith("[split]") for line in chosen), listed

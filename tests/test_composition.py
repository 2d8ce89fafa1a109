"""Client and relay DUTs compose: a client behind a relay, the servers upstream, is still judged by the
server-selection cases (the relay profile plus a client profile in one run), and only by those."""
import pytest

from conftest import control_profile, junit_outcomes, run_cli
from test_relay_controls import relay_profile

pytestmark = pytest.mark.lab


def _judge(tmp_path, client_defect, cases):
    junit = tmp_path / "junit.xml"
    args = ["run", "--profile", str(control_profile(tmp_path, client_defect)),
            "--via-relay", str(relay_profile(tmp_path, "none")), "--strict",
            "--report-dir", str(tmp_path / "reports"), "--junit", str(junit)]
    for case_id in cases:
        args += ["--case", case_id]
    result = run_cli(*args)
    return result, {cid: o["outcome"] for cid, o in junit_outcomes(junit).items()}


def test_selection_cases_judge_a_client_behind_a_relay(tmp_path):
    result, outcomes = _judge(tmp_path, "none", ["C-PREF-255", "C-PREF-HIGHEST", "C-RENEW-T1"])
    assert outcomes == {"C-PREF-255": "PASS", "C-PREF-HIGHEST": "PASS", "C-RENEW-T1": "SKIP"}, result.stdout
    evidence = next((tmp_path / "reports").glob("*-via-*/C-PREF-255"))
    assert {"capture-client.pcap", "capture-upstream.pcap", "relay.log", "dut.log"} <= {p.name for p in
                                                                                       evidence.iterdir()}


def test_a_client_defect_still_fails_behind_a_relay(tmp_path):
    result, outcomes = _judge(tmp_path, "lowest-pref", ["C-PREF-HIGHEST"])
    assert outcomes == {"C-PREF-HIGHEST": "FAIL"}, result.stdout


def test_roles_are_checked(tmp_path):
    result = run_cli("run", "--profile", str(relay_profile(tmp_path, "none")),
                     "--via-relay", str(control_profile(tmp_path, "none")))
    assert result.returncode == 2 and "--via-relay" in result.stderr

"""Every relay case must FAIL a relay with the defect it exists to catch, and PASS the same relay without it.

The control relay (tests/controls/scapy_relay.py) is a real process in the relay's namespace, judged through the
command line like any relay DUT, through a profile written here the way a user writes one.
"""
import pytest

from conftest import CONTROLS, junit_outcomes, run_cli

pytestmark = pytest.mark.lab

CASES = ["R-FWD-ALL", "R-FWD-FORMAT", "R-FWD-OUTAGE", "R-FWD-UNREACH", "R-FWD-UNKNOWN", "R-FWD-MCAST", "R-REPLY-DELIVER",
         "R-IFACE-ID", "R-CHAIN", "R-HOP-LIMIT", "R-NO-SERVER-MSG", "R-MALFORMED"]

# defect -> the cases it must fail (each one also fails others; these are the ones it exists for)
EXPECTED_FAILURES = {
    "first-only": ["R-FWD-ALL", "R-FWD-OUTAGE", "R-FWD-UNREACH"],
    "alter-inner": ["R-FWD-FORMAT", "R-CHAIN"],
    "alter-reply": ["R-REPLY-DELIVER"],
    "wrong-peer": ["R-FWD-FORMAT"],
    "ignore-hop-limit": ["R-HOP-LIMIT"],
    "no-hop-increment": ["R-CHAIN"],
    "drop-replies": ["R-REPLY-DELIVER"],
    "forward-server-msgs": ["R-NO-SERVER-MSG"],
    "die-on-malformed": ["R-MALFORMED"],
    "forget-silent": ["R-FWD-OUTAGE"],
    "wrong-iface": ["R-IFACE-ID"],
    "drop-unknown": ["R-FWD-UNKNOWN"],
    "mcast-hop-limit-1": ["R-FWD-MCAST"],
    "crash-on-hop-32": ["R-HOP-LIMIT"],
    "hop-limit-32": ["R-HOP-LIMIT"],
    "chain-link-address": ["R-CHAIN"],
    "stop-on-error": ["R-FWD-UNREACH"],
    "forget-failed": ["R-FWD-UNREACH"],
}
FORWARD_TO_ALL = ["R-FWD-ALL", "R-FWD-OUTAGE", "R-FWD-UNREACH"]  # the cases whose requirement is relaying to every destination


def relay_profile(folder, defect: str, rfc: str = "9915"):
    """A profile for the control relay with `defect` ("none" for the correct relay), judged against RFC `rfc`."""
    path = folder / f"control-relay-{defect}-{rfc}.toml"
    path.write_text(f"""[dut]
name = "control relay ({defect})"
role = "relay"
attach = "process"
command = ["{{python}}", "{CONTROLS / 'scapy_relay.py'}", "--upper", "{{upper}}", "{{upper_address}}",
           ["--lower", "{{lower}}", "{{lower_address}}"], ["--destination", "{{destination}}"], "--defect", "{defect}"]
stop_timeout = 2

[capabilities]
multicast_destination = true

[timing]
rfc = "{rfc}"
""")
    return path


def _judge(tmp_path, defect, cases, rfc="9915"):
    junit = tmp_path / "junit.xml"
    args = ["run", "--profile", str(relay_profile(tmp_path, defect, rfc)), "--report-dir", str(tmp_path / "reports"),
            "--junit", str(junit)]
    for case_id in cases:
        args += ["--case", case_id]
    result = run_cli(*args)
    return result, junit_outcomes(junit)


@pytest.mark.cost(40)
def test_correct_relay_passes_every_case(tmp_path):
    result, outcomes = _judge(tmp_path, "none", CASES)
    assert {cid: o["outcome"] for cid, o in outcomes.items()} == {cid: "PASS" for cid in CASES}, result.stdout
    assert result.returncode == 0


@pytest.mark.parametrize("defect", sorted(EXPECTED_FAILURES))
def test_defect_fails_its_cases(tmp_path, defect):
    cases = EXPECTED_FAILURES[defect]
    result, outcomes = _judge(tmp_path, defect, cases)
    assert {cid: o["outcome"] for cid, o in outcomes.items()} == {cid: "FAIL" for cid in cases}, result.stdout
    assert result.returncode == 1


@pytest.mark.cost(35)
def test_a_one_destination_relay_fails_only_the_forward_to_all_cases(tmp_path):
    """Each other case judges its own property, so a relay that forwards to one destination passes them."""
    result, outcomes = _judge(tmp_path, "first-only", CASES)
    expected = {cid: "FAIL" if cid in FORWARD_TO_ALL else "PASS" for cid in CASES}
    assert {cid: o["outcome"] for cid, o in outcomes.items()} == expected, result.stdout


def test_a_chaining_defect_is_not_hidden_behind_a_forwarding_one(tmp_path):
    result, outcomes = _judge(tmp_path, "first-only+chain-link-address", ["R-CHAIN"])
    assert outcomes["R-CHAIN"]["outcome"] == "FAIL", result.stdout
    assert "link-address" in next((tmp_path / "reports").glob("*/R-CHAIN/verdict.txt")).read_text()


def test_a_relay_that_crashes_on_a_hop_count_fails_with_the_signal(tmp_path):
    result, outcomes = _judge(tmp_path, "crash-on-hop-32", ["R-HOP-LIMIT"])
    assert outcomes["R-HOP-LIMIT"]["outcome"] == "FAIL", result.stdout
    verdict = next((tmp_path / "reports").glob("*/R-HOP-LIMIT/verdict.txt")).read_text()
    assert "killed by signal 11 (SIGSEGV)" in verdict and "hop=32" in verdict


def test_every_relay_case_has_a_control():
    from conformance import caseinfo
    covered = {cid for cases in EXPECTED_FAILURES.values() for cid in cases}
    relay_cases = {cid for cid, info in caseinfo.load_all().items() if info.role == "relay"}
    assert relay_cases == covered == set(CASES)


def test_rfc_3315s_hop_count_limit_passes_when_the_profile_judges_against_rfc_3315(tmp_path):
    """[timing] rfc = "3315" judges HOP_COUNT_LIMIT 32: the relay that FAILs R-HOP-LIMIT against RFC 9915 (limit 8)
    PASSes it against RFC 3315, and the verdict names the reference."""
    result, outcomes = _judge(tmp_path, "hop-limit-32", ["R-HOP-LIMIT"], rfc="3315")
    assert outcomes["R-HOP-LIMIT"]["outcome"] == "PASS", result.stdout
    assert outcomes["R-HOP-LIMIT"]["expected"] == "relayed_hop_counts: none of 32..32"

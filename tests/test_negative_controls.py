"""Every conformance case must FAIL a client with the defect it exists to catch, and PASS the same client without it.

The control client (tests/controls/scapy_client.py) is a real process on the lab link, judged through the command
line like any DUT; --strict makes a broken SHOULD a FAIL, so each case's verdict here is PASS or FAIL.
"""
import pytest

from conftest import control_profile, junit_outcomes, run_cli
from conformance import caseinfo
from conformance.servers.models import all_models

pytestmark = pytest.mark.lab

SELECTION = ["C-PREF-255", "C-PREF-WAIT", "C-PREF-ABSENT-WAIT", "C-PREF-HIGHEST", "C-PREF-ABSENT", "C-PREF-LATE-255",
             "C-PREF-AFTER-RT", "C-SOL-RT", "C-ADV-NOADDRS", "C-ADV-DUPLICATE"]
LIFECYCLE = ["C-RENEW-T1", "C-RENEW-MRD", "C-REBIND-T2", "C-REBIND-OTHER", "C-RESOLICIT-EXPIRY", "C-T1T2-ZERO",
             "C-T1T2-INVALID", "C-DECLINE-DUP", "C-LINK-CHANGE", "C-RENEW-NOBINDING", "C-REBIND-NOBINDING",
             "C-REQUEST-MULTICAST", "C-SERVER-RESTART"]
FAILOVER = ["C-REQUEST-FAILOVER"]  # three minutes of Request backoff: a group of its own, so groups run side by side
THROTTLE = ["C-SOL-MAX-RT"]  # eight Solicit RTs, about 200 s: a group of its own too
PREFIX_DELEGATION = ["C-PD-PREF-255", "C-PD-PREF-WAIT", "C-PD-REBIND-T2", "C-PD-LINK-CHANGE", "C-PD-ADV-NOPREFIX",
                     "C-PD-RENEW-T1", "C-PD-RESOLICIT-EXPIRY"]
STATELESS = ["C-INFO-REQ", "C-INFO-OUTAGE", "C-INFO-REFRESH"]
BOTH = ["C-PD-WITHOUT-ADDRESS"]  # a client asking for an address and a prefix
BY_MODEL = {"C-REBIND-OTHER", "C-RESOLICIT-EXPIRY", "C-PD-RESOLICIT-EXPIRY"}
MODE = {**{cid: "pd" for cid in PREFIX_DELEGATION}, **{cid: "stateless" for cid in STATELESS},
        **{cid: "na+pd" for cid in BOTH}}

# defect -> (the cases it must fail, the model they run under: None for cases that do not depend on one)
EXPECTED_FAILURES = {
    "ignore-255": (["C-PREF-255", "C-PREF-LATE-255"], None),
    "first-advertise": (["C-PREF-WAIT", "C-PREF-ABSENT-WAIT", "C-PREF-HIGHEST", "C-PREF-ABSENT"], None),
    "lowest-pref": (["C-PREF-HIGHEST", "C-PREF-ABSENT"], None),
    "absent-as-255": (["C-PREF-ABSENT", "C-PREF-ABSENT-WAIT"], None),  # a MUST now: it ends the first RT
    "whole-second-rt": (["C-PREF-WAIT", "C-PREF-ABSENT-WAIT", "C-PREF-HIGHEST", "C-PREF-ABSENT", "C-SOL-RT"], None),
    "rewait": (["C-PREF-AFTER-RT"], None),
    "new-xid": (["C-SOL-RT"], None),
    "frozen-elapsed": (["C-SOL-RT"], None),
    "constant-rt": (["C-SOL-RT"], None),
    "wide-rand": (["C-SOL-RT"], None),
    "late-renew": (["C-RENEW-T1"], None),
    "early-renew": (["C-RENEW-T1"], None),  # a WARN (one reading of 18.2.4 allows it), FAIL under --strict
    "renew-past-t2": (["C-RENEW-MRD", "C-REBIND-T2"], None),
    "rebind-with-server-id": (["C-REBIND-T2", "C-REBIND-OTHER"], "unique"),  # OTHER: s2 discards it (16.7)
    "keep-zeroed": (["C-REBIND-OTHER"], "split"),
    "renew-old-server": (["C-REBIND-OTHER", "C-SERVER-RESTART"], "identical"),
    "ignore-new-lease": (["C-REBIND-OTHER"], "unique"),
    "no-resolicit": (["C-RESOLICIT-EXPIRY"], "unique"),
    "zero-t1-immediate": (["C-T1T2-ZERO"], None),
    "accept-invalid-t1t2": (["C-T1T2-INVALID"], None),
    "no-decline": (["C-DECLINE-DUP"], None),
    "request-no-backoff": (["C-REQUEST-FAILOVER"], None),
    "request-12": (["C-REQUEST-FAILOVER"], None),
    "request-no-server-id": (["C-PREF-255"], None),
    "die-on-advertise": (["C-PREF-255", "C-RENEW-T1"], None),
    "no-refresh-oro": (["C-INFO-REQ"], None),
    "no-inf-max-rt-oro": (["C-INFO-REQ"], None),
    "invalid-ia-no-server-id": (["C-T1T2-INVALID"], None),
    "ignore-reply": (["C-INFO-REQ", "C-INFO-OUTAGE"], None),
    "early-refresh": (["C-INFO-REFRESH"], None),
    "link-solicit": (["C-LINK-CHANGE"], None),
    "link-ignore": (["C-LINK-CHANGE"], None),  # a WARN (one reading of 18.2.12 asks nothing of it), FAIL when strict
    "confirm-empty": (["C-LINK-CHANGE"], None),
    "accept-empty": (["C-ADV-NOADDRS"], None),
    "request-per-advertise": (["C-ADV-DUPLICATE"], None),  # a WARN (one reading allows it), FAIL under --strict
    "ignore-sol-max-rt": (["C-SOL-MAX-RT"], None),
    "ignore-nobinding": (["C-RENEW-NOBINDING", "C-REBIND-NOBINDING"], None),
    "unicast-request": (["C-REQUEST-MULTICAST"], None),
    "drop-partial": (["C-PD-WITHOUT-ADDRESS"], None),
    "nobinding-solicit": (["C-RENEW-NOBINDING", "C-REBIND-NOBINDING"], None),  # WARN (one reading), strict FAIL
}
# the same defects, in the prefix-delegation mode of the control client
PD_FAILURES = {"ignore-255": ["C-PD-PREF-255"], "first-advertise": ["C-PD-PREF-WAIT"],
               "rebind-with-server-id": ["C-PD-REBIND-T2"], "link-solicit": ["C-PD-LINK-CHANGE"],
               "link-renew": ["C-PD-LINK-CHANGE"], "link-confirm": ["C-PD-LINK-CHANGE"],
               "accept-empty": ["C-PD-ADV-NOPREFIX"], "late-renew": ["C-PD-RENEW-T1"],
               "no-resolicit": ["C-PD-RESOLICIT-EXPIRY"]}
PD_MODEL = "unique"  # the model a by-model prefix-delegation case runs under in its defect's test


def _judge(tmp_path, defect, cases, models=(), extra=(), workers=1):
    junit = tmp_path / "junit.xml"
    args = ["run", "--profile", str(control_profile(tmp_path, defect, MODE.get(cases[0], "na"), *extra)),
            "--strict", "--report-dir", str(tmp_path / "reports"), "--junit", str(junit), "-n", str(workers)]
    for case_id in cases:
        args += ["--case", case_id]
    for model in models:
        args += ["--model", model]
    result = run_cli(*args, timeout=900)
    return result, {cid: o["outcome"] for cid, o in junit_outcomes(junit).items()}


GROUPS = {"selection": SELECTION, "lifecycle": LIFECYCLE, "failover": FAILOVER, "throttle": THROTTLE,
          "prefix-delegation": PREFIX_DELEGATION, "stateless": STATELESS, "address-and-prefix": BOTH}
COST = {"selection": 55, "lifecycle": 160, "failover": 190, "throttle": 215, "prefix-delegation": 100,
        "stateless": 80, "address-and-prefix": 15}  # seconds, one case at a time
BY_GROUP = [pytest.param(group, marks=pytest.mark.cost(COST[group])) for group in sorted(GROUPS)]


def _names(cases, models):
    return {f"{cid}[{m}]" for cid in cases if cid in BY_MODEL for m in models} | {c for c in cases if c not in BY_MODEL}


@pytest.mark.parametrize("group", BY_GROUP)
def test_correct_client_passes_every_case(tmp_path, group):
    result, outcomes = _judge(tmp_path, "none", GROUPS[group])
    assert outcomes == {name: "PASS" for name in _names(GROUPS[group], all_models())}, result.stdout
    assert result.returncode == 0


@pytest.mark.parametrize("preface", ["malformed-solicit", "flood"])
# C-REQUEST-FAILOVER's and C-SOL-MAX-RT's first seconds, which malformed frames could disturb, are the selection
# group's; what follows them is minutes of retransmission that nothing malformed comes near.
@pytest.mark.parametrize("group", [g for g in BY_GROUP if g.values[0] not in ("failover", "throttle")])
def test_malformed_traffic_first_changes_no_verdict(tmp_path, group, preface):
    """The correct client, preceded by one Solicit with a 5-byte IA_NA or by a flood of malformed frames (3,000 in a
    second, then a 1 s pause for the lab's readers to drain it), gets the verdicts it gets alone; every timeline shows
    what it sent as MALFORMED lines."""
    result, outcomes = _judge(tmp_path, "none", GROUPS[group], extra=("--preface", preface))
    assert outcomes == {name: "PASS" for name in _names(GROUPS[group], all_models())}, result.stdout
    for timeline in (tmp_path / "reports").glob("*/*/timeline.txt"):
        malformed = [line for line in timeline.read_text().splitlines() if "  MALFORMED (" in line]
        assert len(malformed) >= (1 if preface == "malformed-solicit" else 2000), timeline


def _cost(cases) -> int:
    return max(COST[group] for group, members in GROUPS.items() if set(cases) & set(members))


@pytest.mark.parametrize("defect", [pytest.param(d, marks=pytest.mark.cost(_cost(EXPECTED_FAILURES[d][0])))
                                    for d in sorted(EXPECTED_FAILURES)])
def test_defect_fails_its_cases(tmp_path, defect):
    cases, model = EXPECTED_FAILURES[defect]
    result, outcomes = _judge(tmp_path, defect, cases, [model] if model else [])
    assert outcomes == {name: "FAIL" for name in _names(cases, [model] if model else [])}, result.stdout
    assert result.returncode == 1


def test_a_must_broken_in_a_should_case_is_a_fail_at_must(tmp_path):
    """C-PREF-ABSENT is a SHOULD (which server); a Request before the first RT breaks 18.2.1's MUST: FAIL without
    --strict, reported at level MUST, quoting the MUST."""
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(control_profile(tmp_path, "absent-as-255")), "--case", "C-PREF-ABSENT",
                     "--report-dir", str(tmp_path / "reports"), "--junit", str(junit), timeout=300)
    props = junit_outcomes(junit)["C-PREF-ABSENT"]
    assert (props["outcome"], props["level"], result.returncode) == ("FAIL", "MUST", 1), result.stdout
    verdict = next((tmp_path / "reports").glob("*/C-PREF-ABSENT/verdict.txt")).read_text()
    assert "A client MUST collect valid Advertise messages for the first RT seconds" in verdict


@pytest.mark.cost(190)
def test_eleven_requests_are_a_warn_twelve_a_fail(tmp_path):
    """RFC 9915 section 15 reads as 10 or as 11 transmissions allowed: 11 is WARN (one reading forbids it), quoting
    both sentences; without --strict the run passes."""
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(control_profile(tmp_path, "request-11")), "--case", "C-REQUEST-FAILOVER",
                     "--report-dir", str(tmp_path / "reports"), "--junit", str(junit), timeout=600)
    props = junit_outcomes(junit)["C-REQUEST-FAILOVER"]
    assert (props["outcome"], result.returncode) == ("WARN", 0), result.stdout
    verdict = next((tmp_path / "reports").glob("*/C-REQUEST-FAILOVER/verdict.txt")).read_text()
    assert "MRC specifies an upper bound" in verdict and "transmitted the message MRC times" in verdict


@pytest.mark.parametrize("defect, mode, case_id", [("confirm-empty", "na", "C-LINK-CHANGE"),
                                                   ("link-confirm", "pd", "C-PD-LINK-CHANGE")])
def test_what_every_reading_of_18_2_12_forbids_is_a_fail_without_strict(tmp_path, defect, mode, case_id):
    """A Confirm without its addresses breaks a MUST inside the SHOULD case; a Confirm from a client holding
    delegated prefixes is no Rebind on any reading."""
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(control_profile(tmp_path, defect, mode)), "--case", case_id,
                     "--report-dir", str(tmp_path / "reports"), "--junit", str(junit))
    props = junit_outcomes(junit)[case_id]
    assert (props["outcome"], props["level"], result.returncode) == ("FAIL", "MUST", 1), result.stdout


@pytest.mark.parametrize("defect, case_id, broken", [
    ("link-restart", "C-LINK-CHANGE", "no Solicit or Request within 3 s of the Reply"),
    ("confirm-drop", "C-LINK-CHANGE", "still in use"),
    ("link-restart", "C-PD-LINK-CHANGE", "no Solicit or Request within 3 s of the Reply"),
    ("rebind-no-prefix", "C-PD-LINK-CHANGE", "the Rebind carries"),
])
def test_each_check_after_a_link_change_fails_its_own_defect(tmp_path, defect, case_id, broken):
    """The checks after the first message (its leases, no restart after the server's answer, the address still in
    use) have no keyword of their own: WARN, and FAIL under --strict, naming the check the defect broke."""
    result, outcomes = _judge(tmp_path, defect, [case_id])
    assert outcomes == {case_id: "FAIL"}, result.stdout
    verdict = next((tmp_path / "reports").glob(f"*/{case_id}/verdict.txt")).read_text()
    assert any(broken in line for line in verdict.splitlines() if line.strip().startswith("expected:")), verdict


# defect -> (case, model, outcome, words of its verdict): clients that passed or failed a case for the wrong reason
# before its check named the right one (issue 11)
RIGHT_REASON = [
    ("no-renew", "C-RENEW-MRD", None, "ERROR", "no Renew before T2 = 5 s, so no Renew exchange began; C-RENEW-T1"),
    ("no-renew", "C-REBIND-OTHER", "unique", "ERROR", "binding the Rebind made; C-RENEW-T1 judges that"),
    ("request-max-rt-120", "C-REQUEST-FAILOVER", None, "FAIL", "(MRT + RAND*MRT once past MRT)"),
    ("invalid-ia-restart", "C-T1T2-INVALID", None, "FAIL", "a new exchange: a Solicit with xid"),
    ("late-address", "C-RESOLICIT-EXPIRY", "unique", "ERROR", "did not use"),
    ("slow-address", "C-DECLINE-DUP", None, "FAIL", "no Decline"),
    ("no-dad", "C-DECLINE-DUP", None, "FAIL", "and no DAD probe"),
    ("decline-unprobed", "C-DECLINE-DUP", None, "FAIL", "with no DAD probe before it"),
]


@pytest.mark.parametrize("defect, case_id, model, outcome, words", [
    pytest.param(*row, marks=pytest.mark.cost(140 if row[0] == "request-max-rt-120" else 20),
                 id=f"{row[0]}-{row[1]}") for row in RIGHT_REASON])
def test_a_case_judges_for_the_reason_it_names(tmp_path, defect, case_id, model, outcome, words):
    result, outcomes = _judge(tmp_path, defect, [case_id], [model] if model else [])
    name = f"{case_id}[{model}]" if model else case_id
    assert outcomes == {name: outcome}, result.stdout
    verdict = next((tmp_path / "reports").glob(f"*/{case_id}*/verdict.txt")).read_text()
    assert words in verdict, verdict


def test_a_client_that_does_not_watch_its_link_is_a_warn_quoting_both_readings(tmp_path):
    """C-PD-LINK-CHANGE is a MUST, but a client that sends nothing after its link went down and up breaks it only
    on the reading that a reported disconnection and connection is a detection: WARN, and the run passes."""
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(control_profile(tmp_path, "link-ignore", "pd")), "--case",
                     "C-PD-LINK-CHANGE", "--report-dir", str(tmp_path / "reports"), "--junit", str(junit))
    props = junit_outcomes(junit)["C-PD-LINK-CHANGE"]
    assert (props["outcome"], result.returncode) == ("WARN", 0), result.stdout
    verdict = next((tmp_path / "reports").glob("*/C-PD-LINK-CHANGE/verdict.txt")).read_text()
    assert "disconnection event, followed by a connection event" in verdict and "out of scope" in verdict


@pytest.mark.cost(30)
def test_a_dut_that_exits_before_the_window_is_not_judged_on_it(tmp_path):
    """A stateless client that exits after its Reply (RFC 9915 lets it) is still judged on its Information-request,
    and C-INFO-REFRESH, whose 20 s window it did not live through, is SKIP saying so, never a vacuous PASS."""
    result, outcomes = _judge(tmp_path, "exit-after-reply", ["C-INFO-REQ", "C-INFO-REFRESH"])
    assert outcomes == {"C-INFO-REQ": "PASS", "C-INFO-REFRESH": "SKIP"}, result.stdout
    verdict = next((tmp_path / "reports").glob("*/C-INFO-REFRESH/verdict.txt")).read_text()
    assert "not judged: the DUT exited" in verdict and "21.23" in verdict


def test_a_crash_is_a_fail_with_the_signal_and_last_messages(tmp_path):
    _judge(tmp_path, "die-on-advertise", ["C-PREF-255"])
    verdict = next((tmp_path / "reports").glob("*/C-PREF-255/verdict.txt")).read_text()
    assert "killed by signal 11 (SIGSEGV)" in verdict and "ADVERTISE" in verdict.split("not done:")[1]


def test_a_case_whose_precondition_another_case_judges_is_an_error_naming_it(tmp_path):
    """A Request without a Server ID is C-PREF-255's FAIL (the defect table); a lifecycle case, which needs the DUT
    bound, is ERROR naming the rule the server applied and the case that judges it."""
    result, outcomes = _judge(tmp_path, "request-no-server-id", ["C-RENEW-T1"])
    assert outcomes == {"C-RENEW-T1": "ERROR"}, result.stdout
    verdict = next((tmp_path / "reports").glob("*/C-RENEW-T1/verdict.txt")).read_text()
    assert "RFC 9915 16.4" in verdict and "C-PREF-255" in verdict


@pytest.mark.parametrize("defect", sorted(PD_FAILURES))
def test_defect_fails_its_prefix_delegation_cases(tmp_path, defect):
    cases = PD_FAILURES[defect]
    result, outcomes = _judge(tmp_path, defect, cases, [PD_MODEL])
    assert outcomes == {name: "FAIL" for name in _names(cases, [PD_MODEL])}, result.stdout


def test_every_case_has_a_control():
    covered = {cid for cases, _ in EXPECTED_FAILURES.values() for cid in cases}
    covered |= {cid for cases in PD_FAILURES.values() for cid in cases}
    client_cases = {cid for cid, info in caseinfo.load_all().items() if info.role == "client"}
    assert client_cases == covered == {cid for cases in GROUPS.values() for cid in cases}


def test_a_waived_failure_is_shown_and_does_not_fail_the_run_and_a_stale_waiver_says_so(tmp_path):
    """[waivers] in the profile: the known FAIL is WAIVED with its reason in the JUnit and the exit status is 0; a
    waiver for a case that passed is reported as stale."""
    profile = control_profile(tmp_path, "late-renew")
    profile.write_text(profile.read_text() + '\n[waivers]\n"C-RENEW-T1" = "vendor ticket 123, fixed in 2.1"\n'
                       '"C-PREF-255" = "ticket 7"\n')
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--profile", str(profile), "--case", "C-RENEW-T1", "--case", "C-PREF-255",
                     "--report-dir", str(tmp_path / "reports"), "--junit", str(junit))
    outcomes = junit_outcomes(junit)
    assert (outcomes["C-RENEW-T1"]["outcome"], outcomes["C-PREF-255"]["outcome"], result.returncode) == \
        ("WAIVED", "PASS", 0), result.stdout
    assert "waived (vendor ticket 123, fixed in 2.1)" in result.stdout
    assert "stale_waiver" in outcomes["C-PREF-255"] and "STALE WAIVER" in result.stdout
    profile.write_text(profile.read_text() + '"C-NOPE" = "x"\n')
    refused = run_cli("run", "--profile", str(profile), "--report-dir", str(tmp_path / "r2"))
    assert refused.returncode == 2 and '[waivers."C-NOPE"]' in refused.stderr, refused.stderr

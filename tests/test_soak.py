"""`soak`: verdicts across runs and the distributions of randomised timers (offline, then on the control client)."""

import pytest

from conftest import control_profile, junit_outcomes, run_cli
from conformance import soak
from conformance.results import CaseResult, Level, Outcome


def _result(outcome, **samples):
    return CaseResult("C-PREF-WAIT", "p", outcome, Level.MUST, ("RFC 9915 18.2.1",), "t",
                      evidence=f"/e/{outcome.value}", samples={k: list(v) for k, v in samples.items()})


def test_the_same_verdict_in_every_run_is_that_verdict():
    runs = [[_result(Outcome.PASS, request_wait=[1.005 + i * 0.012])] for i in range(8)]
    (case,) = soak.combine(runs)
    assert case.outcome() == Outcome.PASS and "PASS in 8 of 8 runs" in case.summary()


def test_differing_verdicts_are_intermittent_with_evidence_of_each():
    runs = [[_result(Outcome.FAIL)], [_result(Outcome.PASS)], [_result(Outcome.FAIL)]]
    (case,) = soak.combine(runs)
    summary = case.summary()
    assert case.outcome() == Outcome.INTERMITTENT and summary.startswith("INTERMITTENT: 2 of 3 runs FAIL")
    assert "evidence of a FAIL run: /e/FAIL" in summary and "evidence of a PASS run: /e/PASS" in summary


def test_values_that_do_not_spread_are_not_randomised():
    runs = [[_result(Outcome.PASS, request_wait=[1.0012 + i * 0.0005])] for i in range(8)]
    (case,) = soak.combine(runs)
    assert case.outcome() == Outcome.FAIL and "not randomised" in case.summary()


def test_too_few_values_are_shown_not_judged():
    runs = [[_result(Outcome.PASS, request_wait=[1.001])] for _ in range(3)]
    (case,) = soak.combine(runs)
    assert case.outcome() == Outcome.PASS and "at least 8 needed" in case.summary()


def test_ratios_outside_rands_bounds_are_counted():
    runs = [[_result(Outcome.PASS, rand_excess=[-0.05, 0.04])], [_result(Outcome.PASS, rand_excess=[-0.01])]]
    (case,) = soak.combine(runs)
    assert case.outcome() == Outcome.FAIL and "1 of 3 outside" in case.summary()



@pytest.mark.lab
@pytest.mark.cost(50)
@pytest.mark.parametrize("defect, outcome, status", [("none", "PASS", 0), ("no-rand", "FAIL", 1)])
def test_soak_judges_the_first_rt_distribution(tmp_path, defect, outcome, status):
    """Eight runs of C-PREF-WAIT (the fewest soak judges): the correct client's first RT is randomised, a client
    without RAND is FAIL with the statistic, though each of its runs PASSes."""
    junit = tmp_path / "soak.xml"
    result = run_cli("soak", "--profile", str(control_profile(tmp_path, defect)), "--case", "C-PREF-WAIT",
                     "--runs", "8", "--report-dir", str(tmp_path / "reports"), "--junit", str(junit), timeout=300)
    assert result.returncode == status, result.stdout + result.stderr
    assert junit_outcomes(junit)["C-PREF-WAIT"]["outcome"] == outcome
    text = (tmp_path / "reports" / "soak.txt").read_text()
    assert "PASS in 8 of 8 runs" in text
    assert ("not randomised" in text) == (defect == "no-rand"), text

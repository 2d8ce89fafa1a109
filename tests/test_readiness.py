"""The RFC 6853 readiness table: which cases decide a deployment, and what a verdict says (no lab)."""
from conformance import caseinfo
from conformance.report import readiness


def cells(mapping: dict) -> dict:
    return {name: {"outcomes": value if isinstance(value, list) else [value]} for name, value in mapping.items()}


def test_a_case_run_per_model_decides_its_own_model_only():
    rows = {row.deployment: row for row in readiness.table(cells({
        "C-PREF-255": "PASS", "C-RESOLICIT-EXPIRY[split]": "FAIL", "C-RESOLICIT-EXPIRY[unique]": "PASS",
        "C-RESOLICIT-EXPIRY[identical]": ["FAIL", "PASS"]}))}
    assert (rows["split"].verdict, rows["split"].because) == ("not ready", ("C-RESOLICIT-EXPIRY[split]",))
    assert rows["unique"].verdict == "ready"
    assert rows["identical"].because == ("C-RESOLICIT-EXPIRY[identical]",)  # INTERMITTENT loses the service


def test_the_multicast_request_matters_to_the_identical_model_only():
    rows = {row.deployment: row.verdict for row in readiness.table(cells({
        "C-PREF-255": "PASS", "C-REQUEST-MULTICAST": "FAIL"}))}
    assert rows == {"split": "ready", "unique": "ready", "identical": "not ready"}


def test_skipped_and_unrelated_cases_count_for_nothing_and_errors_leave_it_unjudged():
    rows = readiness.table(cells({"C-PREF-255": "SKIP", "C-DECLINE-DUP": "FAIL"}))
    assert {row.verdict for row in rows} == {"n/a"}
    rows = readiness.table(cells({"C-PREF-255": "ERROR", "C-PREF-WAIT": "WARN"}))
    assert {(row.verdict, row.because) for row in rows} == {("not judged", ("C-PREF-255",))}
    rows = readiness.table(cells({"C-PREF-255": "PASS", "C-PREF-WAIT": "WARN"}))
    assert {row.verdict for row in rows} == {"ready (warnings)"}


def test_a_relay_gets_one_row_and_the_gap_is_the_worst_seen():
    assert [(r.deployment, r.verdict) for r in readiness.table(cells({"R-FWD-ALL": "PASS", "R-FWD-OUTAGE": "FAIL",
                                                                       "C-PREF-255": "SKIP"}))] == \
        [("relay", "not ready")]
    column = cells({"C-REBIND-OTHER[split]": "PASS", "C-RESOLICIT-EXPIRY[split]": "PASS"})
    column["C-REBIND-OTHER[split]"]["service_gap"] = [0.2, 0.3]
    column["C-RESOLICIT-EXPIRY[split]"]["service_gap"] = [1.06, 1.42]
    split = readiness.assess(column, "split")
    assert split.gap == "after the Rebind: 0.3 s; after expiry: 1.4 s"
    assert readiness.line(split) == "split: ready; without a lease after the Rebind: 0.3 s; after expiry: 1.4 s"


def test_every_case_the_table_names_exists():
    known = caseinfo.load_all()
    assert set(readiness.CLIENT_CASES) | set(readiness.RELAY_CASES) <= set(known)
    assert {known[c].role for c in readiness.RELAY_CASES} == {"relay"}

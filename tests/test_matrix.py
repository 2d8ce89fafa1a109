"""The published matrix: runs combine into cells that list every outcome seen, a fresh run is stale only where it
saw an outcome the cell does not list, and docs/matrix.md is exactly what profiles/reference-matrix.json renders."""
import json

from conftest import PROJECT
from conformance import matrix


def _cell(outcome: str, seconds: float = 1.0, message: str = "") -> dict:
    return {"outcomes": [outcome], "seconds": seconds, "level": "MUST", "message": message, "measured": "",
            "expected": ""}


def _run(**cells) -> dict:
    return {"dhcpcd": {"dut": "dhcpcd 9.4.1", "cases": {case.replace("_", "-"): cell for case, cell in cells.items()}}}


def test_runs_that_differ_make_an_intermittent_cell_with_the_findings_account():
    combined = matrix.combine([_run(C_SOL_RT=_cell("PASS", 16.0)),
                               _run(C_SOL_RT=_cell("FAIL", 17.5, "RT 3.805 s after RT 2.103 s"))])
    cell = combined["dhcpcd"]["cases"]["C-SOL-RT"]
    assert cell["outcomes"] == ["FAIL", "PASS"] and cell["seconds"] == 17.5
    assert cell["message"] == "RT 3.805 s after RT 2.103 s"  # a finding is explained, not the PASS
    assert matrix.shown(cell) == "INTERMITTENT (FAIL, PASS)"


def test_a_fresh_run_is_stale_only_where_the_published_cell_lacks_its_outcome():
    published = matrix.combine([_run(C_SOL_RT=_cell("PASS"), C_PREF_WAIT=_cell("FAIL")),
                                _run(C_SOL_RT=_cell("FAIL"), C_PREF_WAIT=_cell("FAIL"))])
    assert matrix.differences(published, _run(C_SOL_RT=_cell("FAIL"), C_PREF_WAIT=_cell("FAIL"))) == []
    assert matrix.differences(published, _run(C_SOL_RT=_cell("PASS"), C_PREF_WAIT=_cell("PASS"))) == [
        "dhcpcd C-PREF-WAIT: published FAIL, now PASS"]
    assert matrix.differences(published, _run(C_SOL_RT=_cell("PASS"))) == ["dhcpcd C-PREF-WAIT: no longer run"]
    assert matrix.differences(published, {}) == ["dhcpcd: only in the published matrix"]


def test_the_published_markdown_is_what_the_published_json_renders():
    document = json.loads((PROJECT / "profiles" / "reference-matrix.json").read_text())
    assert {entry["profile"] for entry in document["runs"]} == {
        entry.replace("+", "-via-") for entry in matrix.REFERENCE}
    rendered = matrix.render_markdown(matrix.columns_of(document), document["run"]) + "\n"
    assert (PROJECT / "docs" / "matrix.md").read_text() == rendered
    for column in matrix.columns_of(document).values():
        for case, cell in column["cases"].items():
            if set(cell["outcomes"]) & set(matrix.FINDINGS):
                assert cell["message"].strip(), case  # every finding carries its explanation

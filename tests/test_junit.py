"""JUnit XML: a testsuite per profile, testcase = case ID, properties, and the outcome mapping."""
import xml.etree.ElementTree as ET

from conformance.dut import profile as profiles
from conformance.report import junit
from conformance.results import CaseResult, Level, Outcome


def result(case_id, outcome, level=Level.MUST, message=""):
    return CaseResult(case_id, "dut", outcome, level, ("RFC 8415 18.2.1",), "title", measured="rt=1.05 s",
                      expected="rt in (1.000, 1.100] s", message=message, duration=1.5)


def render(tmp_path, results, strict=False):
    path = tmp_path / "p.toml"
    path.write_text('[capabilities]\nia_na = true\n[dut]\nname = "Some DUT"\nrole = "client"\nattach = "process"\n'
                    'command = ["sh"]\n')
    return ET.fromstring(junit.render(profiles.load(path), results, strict))


def test_one_suite_named_after_the_dut_with_case_ids(tmp_path):
    root = render(tmp_path, [result("C-A", Outcome.PASS), result("C-B", Outcome.FAIL, message="RFC x\n  expected")])
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == "Some DUT"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"C-A", "C-B"}
    props = {p.get("name"): p.get("value") for p in cases["C-A"].find("properties")}
    assert props["rfc"] == "RFC 8415 18.2.1" and props["level"] == "MUST" and props["measured"] == "rt=1.05 s"
    assert props["expected"] == "rt in (1.000, 1.100] s" and props["outcome"] == "PASS"
    assert cases["C-B"].find("failure").get("message") == "RFC x"


def test_warn_fails_only_under_strict(tmp_path):
    warn = [result("C-W", Outcome.WARN, Level.SHOULD, "RFC y")]
    assert render(tmp_path, warn).find(".//failure") is None
    assert render(tmp_path, warn, strict=True).find(".//failure") is not None


def test_error_and_skip(tmp_path):
    root = render(tmp_path, [result("C-E", Outcome.ERROR, message="harness"), result("C-S", Outcome.SKIP)])
    assert root.find(".//error") is not None and root.find(".//skipped") is not None


def test_matrix_reads_junit_files_and_links_evidence(tmp_path):
    from conformance.report import matrix
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    path = tmp_path / "p.toml"
    path.write_text('[capabilities]\nia_na = true\n[dut]\nname = "Some DUT"\nrole = "client"\nattach = "process"\n'
                    'command = ["sh"]\n')
    failed = result("C-B", Outcome.FAIL, message="x")
    failed.evidence = str(run_dir / "p" / "C-B")
    junit.write(run_dir / "junit-p.xml", profiles.load(path), [result("C-A", Outcome.PASS), failed], False)
    page = matrix.write([str(run_dir)], tmp_path / "html").read_text()
    assert "Some DUT" in page and "C-A" in page and 'href="../run/p/C-B"' in page and "FAIL" in page

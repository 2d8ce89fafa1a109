"""JUnit XML and results-PROFILE.json: a testsuite per profile, testcase = case ID, valid against both Jenkins
schemas, WARN visible without failing the build, evidence attached with relative paths; the results file valid
against its own JSON Schema."""
import json
import xml.etree.ElementTree as ET

import jsonschema

from conftest import junit_outcomes
from conformance.dut import profile as profiles
from conformance.report import html, junit, results_file
from conformance.results import CaseResult, Level, Outcome


def result(case_id, outcome, level=Level.MUST, message="", evidence=""):
    return CaseResult(case_id, "dut", outcome, level, ("RFC 8415 18.2.1",), "title", measured="rt=1.05 s",
                      expected="rt in (1.000, 1.100] s", message=message, duration=2.7079999999999997,
                      evidence=evidence)


def _profile(tmp_path, name="p.1"):
    path = tmp_path / f"{name}.toml"
    path.write_text('[capabilities]\nia_na = true\n[dut]\nname = "Some DUT 9.4.1"\nrole = "client"\n'
                    'attach = "process"\ncommand = ["sh"]\n')
    return profiles.load(path)


def write(tmp_path, results, strict=False):
    profile = _profile(tmp_path)
    path = tmp_path / "reports" / "junit.xml"
    run = results_file.run_metadata(profile, strict)
    junit.write(path, profile, results, strict, run)
    results_file.write(tmp_path / "reports", profile, results, run)
    return path, ET.parse(path).getroot()


def test_one_suite_named_after_the_dut_with_case_ids_and_its_facts(tmp_path):
    path, root = write(tmp_path, [result("C-A", Outcome.PASS), result("C-B", Outcome.FAIL, message="RFC x\n  exp")])
    (suite,) = root.iter("testsuite")
    assert suite.get("name") == "Some DUT 9.4.1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"C-A", "C-B"} and {c.get("classname") for c in cases.values()} == {"p_1"}
    assert cases["C-A"].get("time") == "2.708" and suite.get("time") == "5.416"
    facts = junit_outcomes(path)  # validates against both schemas
    assert facts["C-A"]["rfc"] == "RFC 8415 18.2.1" and facts["C-A"]["level"] == "MUST"
    assert facts["C-A"]["measured"] == "rt=1.05 s" and facts["C-A"]["outcome"] == "PASS"
    assert cases["C-B"].find("failure").get("message") == "RFC x"
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["profile_digest"].startswith("sha256:") and props["reference"] == "RFC 9915"


def test_warn_is_visible_but_fails_only_under_strict(tmp_path):
    warn = [result("C-W", Outcome.WARN, Level.SHOULD, "RFC y\n  expected: a\n  actual: b")]
    path, root = write(tmp_path, warn)
    assert root.find(".//failure") is None and root.findtext(".//system-err").startswith("WARN (SHOULD): RFC y")
    assert junit_outcomes(path)["C-W"]["outcome"] == "WARN"
    path, root = write(tmp_path, warn, strict=True)
    assert root.find(".//failure") is not None and root.find(".//system-err") is None
    junit_outcomes(path)


def test_error_and_skip_in_the_form_both_schemas_accept(tmp_path):
    path, root = write(tmp_path, [result("C-E", Outcome.ERROR, message="harness"),
                                  result("C-S", Outcome.SKIP, message="the profile does not declare ia_pd")])
    assert root.find(".//error").get("message") == "harness"
    skipped = root.find(".//skipped")
    assert skipped.attrib == {} and skipped.text == "the profile does not declare ia_pd"
    junit_outcomes(path)


def test_evidence_is_attached_with_paths_relative_to_the_junit_file(tmp_path):
    folder = tmp_path / "reports" / "p" / "C-A"
    folder.mkdir(parents=True)
    for name in ("capture.pcap", "timeline.txt", "verdict.txt"):
        (folder / name).write_text("x")
    path, root = write(tmp_path, [result("C-A", Outcome.PASS, evidence=str(folder))])
    out = root.findtext(".//system-out")
    assert "[[ATTACHMENT|p/C-A/capture.pcap]]" in out and "[[ATTACHMENT|p/C-A/verdict.txt]]" in out
    assert junit_outcomes(path)["C-A"]["evidence"] == "p/C-A"


def test_the_results_file_follows_its_schema(tmp_path):
    folder = tmp_path / "reports" / "p" / "C-B"
    folder.mkdir(parents=True)
    (folder / "capture.pcap").write_text("x")
    write(tmp_path, [result("C-A", Outcome.PASS), result("C-B", Outcome.FAIL, message="m", evidence=str(folder))])
    document = json.loads((tmp_path / "reports" / "results-p.1.json").read_text())
    jsonschema.validate(document, json.loads(results_file.SCHEMA.read_text()))
    assert document["counts"] == {"PASS": 1, "FAIL": 1}
    assert document["cases"][1]["evidence"] == "p/C-B" and document["cases"][1]["files"] == ["p/C-B/capture.pcap"]


def test_the_report_reads_the_results_files_and_links_each_case_page_to_its_evidence(tmp_path):
    folder = tmp_path / "reports" / "p" / "C-B"
    folder.mkdir(parents=True)
    (folder / "capture.pcap").write_text("x")
    write(tmp_path, [result("C-A", Outcome.PASS), result("C-B", Outcome.FAIL, message="x", evidence=str(folder))])
    index = html.write([str(tmp_path / "reports")], tmp_path / "html")
    page = index.read_text()
    assert "Some DUT" in page and "C-A" in page and 'href="cases/p.1/C-B.html"' in page and "FAIL" in page
    case = (tmp_path / "html" / "cases" / "p.1" / "C-B.html").read_text()
    assert 'href="../../../reports/p/C-B/capture.pcap"' in case and 'href="../../index.html"' in case

"""JUnit XML through junit-xml: one testsuite per DUT profile, one testcase per case ID.

junit-xml has no per-testcase properties, so they are added to its output afterwards (the <properties> element
inside <testcase> that Jenkins and GitLab read, and that pytest's own JUnit writer emits).
"""
import xml.etree.ElementTree as ET
from pathlib import Path

from junit_xml import TestCase, TestSuite, to_xml_report_string

from ..results import CaseResult, Outcome


def _properties(result: CaseResult) -> dict[str, str]:
    return {"rfc": ", ".join(result.rfc), "level": result.level.value, "outcome": result.outcome.value,
            "measured": result.measured, "expected": result.expected, "evidence": result.evidence,
            **result.properties}


def _testcase(result: CaseResult, strict: bool) -> TestCase:
    case = TestCase(result.case_id, classname=result.profile, elapsed_sec=round(result.duration, 3),
                    stdout=result.title)
    if result.outcome in (Outcome.FAIL, Outcome.INTERMITTENT) or (result.outcome == Outcome.WARN and strict):
        case.add_failure_info(message=result.message.splitlines()[0] if result.message else "failed",
                              output=result.message, failure_type=result.level.value)
    elif result.outcome == Outcome.ERROR:
        case.add_error_info(message=result.message.splitlines()[0] if result.message else "error",
                            output=result.message)
    elif result.outcome == Outcome.SKIP:
        case.add_skipped_info(message=result.message)
    return case


def render(profile, results: list[CaseResult], strict: bool) -> str:
    suite = TestSuite(profile.label, [_testcase(r, strict) for r in results], package=profile.slug,
                      properties={"profile": str(profile.path), "role": profile.role,
                                  "tolerance": str(profile.timing.tolerance)})
    root = ET.fromstring(to_xml_report_string([suite], encoding="utf-8"))
    for element, result in zip(root.iter("testcase"), results):
        props = ET.Element("properties")
        for name, value in _properties(result).items():
            ET.SubElement(props, "property", name=name, value=value)
        element.insert(0, props)
    return ET.tostring(root, encoding="unicode")


def write(path: Path, profile, results: list[CaseResult], strict: bool) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + render(profile, results, strict))

"""JUnit XML through junit-xml: one testsuite per DUT profile, one testcase per case ID, valid against the schemas
Jenkins reads (the xUnit plugin's junit-10.xsd and JUnit 5's jenkins-junit.xsd, both in tests/schemas/).

Those schemas allow no properties inside a testcase, so each case's facts (outcome, level, RFC, measured,
expected, evidence) are lines of its system-out, with its evidence files as `[[ATTACHMENT|path]]` lines (the
Jenkins JUnit Attachments plugin and GitLab read them), paths relative to the JUnit file. A WARN does not fail the
build unless --strict (nor does a WAIVED known failure): its verdict is the testcase's system-err, which Jenkins, GitLab and GitHub reporters show
beside a passed test. The run's metadata are the testsuite's properties. junit-xml's output is then made to fit
both schemas: no `disabled` attribute, a plain `<skipped>` with its reason as text, times in milliseconds.
"""
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from junit_xml import TestCase, TestSuite, to_xml_report_string

from ..results import CaseResult, Outcome

CHILD_ORDER = ("skipped", "error", "failure", "system-out", "system-err")  # jenkins-junit.xsd's sequence
EVIDENCE_FILES = ("verdict.txt", "timeline.txt", "capture.pcap", "dut.log", "capture.txt")


def classname(profile) -> str:
    """The profile's file name without dots: Jenkins splits a classname at its last dot into package and class."""
    return profile.slug.replace(".", "_")


def facts(result: CaseResult, base: Path) -> dict[str, str]:
    """What a report says about a case beyond its outcome, evidence relative to `base`."""
    return {"outcome": result.outcome.value, "level": result.level.value, "rfc": ", ".join(result.rfc),
            "measured": result.measured, "expected": result.expected,
            "evidence": relative(result.evidence, base) if result.evidence else "", **result.properties}


def relative(path: str, base: Path) -> str:
    return os.path.relpath(path, base)


def attachments(result: CaseResult, base: Path) -> list[str]:
    """The evidence files that exist, relative to `base`: the pcap, the timeline, the verdict, the DUT's log..."""
    if not result.evidence:
        return []
    folder = Path(result.evidence)
    names = [n for n in EVIDENCE_FILES if (folder / n).is_file()]
    names += sorted(p.name for p in folder.glob("*") if p.is_file() and p.name not in names)
    return [relative(str(folder / name), base) for name in names]


def _system_out(result: CaseResult, base: Path) -> str:
    lines = [f"{result.case_id}: {result.outcome.value} ({result.level.value}) {result.title}"]
    lines += [f"{name}: {value}" for name, value in facts(result, base).items() if value]
    lines += [f"[[ATTACHMENT|{path}]]" for path in attachments(result, base)]
    return "\n".join(lines)


def _testcase(result: CaseResult, profile, strict: bool, base: Path) -> TestCase:
    shown = (result.outcome == Outcome.WARN and not strict) or result.outcome == Outcome.WAIVED
    case = TestCase(result.case_id, classname=classname(profile), elapsed_sec=result.duration,
                    stdout=_system_out(result, base),
                    stderr=f"{result.outcome.value} ({result.level.value}): {result.message}" if shown else None)
    first_line = result.message.splitlines()[0] if result.message else ""
    if result.outcome in (Outcome.FAIL, Outcome.INTERMITTENT) or (result.outcome == Outcome.WARN and strict):
        case.add_failure_info(message=first_line or "failed", output=result.message, failure_type=result.level.value)
    elif result.outcome == Outcome.ERROR:
        case.add_error_info(message=first_line or "error", output=result.message, error_type="ERROR")
    elif result.outcome == Outcome.SKIP:
        case.add_skipped_info(output=result.message or "skipped")
    return case


def render(profile, results: list[CaseResult], strict: bool, base: Path, run: dict[str, str]) -> str:
    """The JUnit document; `base` is the folder the file is written to, `run` the run's metadata."""
    suite = TestSuite(profile.label, [_testcase(r, profile, strict, base) for r in results], package=classname(profile),
                      hostname=run.get("host"), timestamp=run.get("started"), properties=run)
    root = ET.fromstring(to_xml_report_string([suite], encoding="utf-8"))
    for element in root.iter():
        element.attrib.pop("disabled", None)
        if "time" in element.attrib:
            element.set("time", f"{float(element.get('time')):.3f}")
    for skipped in root.iter("skipped"):
        text = skipped.text or skipped.get("message") or "skipped"
        skipped.attrib.clear()
        skipped.text = text
    for testcase in root.iter("testcase"):
        children = sorted(testcase, key=lambda child: CHILD_ORDER.index(child.tag))
        for child in list(testcase):
            testcase.remove(child)
        testcase.extend(children)
    return ET.tostring(root, encoding="unicode")


def write(path: Path, profile, results: list[CaseResult], strict: bool, run: dict[str, str]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    base = path.parent.resolve()
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + render(profile, results, strict, base, run))

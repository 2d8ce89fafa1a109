"""results-PROFILE.json in the report folder: every case's verdict and the run's metadata, for machines (the JSON
Schema beside this module says what each field holds; the HTML report reads these files).

Evidence paths are relative to the report folder, so the folder can be moved or archived whole.
"""
import hashlib
import json
import socket
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..results import CaseResult
from .junit import attachments, relative

FORMAT = "dhcpv6-conformance-results/1"
SCHEMA = Path(__file__).with_name("results.schema.json")


def tool_version() -> str:
    try:
        return metadata.version("dhcpv6-conformance")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def run_metadata(profile, strict: bool) -> dict[str, str]:
    """What identifies a run: when, where, with which tool, profile (and its digest) and reference."""
    digest = hashlib.sha256(profile.path.read_bytes()).hexdigest()
    return {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "tool_version": tool_version(),
            "host": socket.gethostname(), "profile": str(profile.path), "profile_digest": f"sha256:{digest}",
            "dut": profile.label, "role": profile.role, "reference": profile.timing.reference.name,
            "strict": "true" if strict else "false", "tolerance": f"{profile.timing.tolerance:g}"}


def path(report_dir: Path, profile) -> Path:
    return Path(report_dir) / f"results-{profile.slug}.json"


def document(results: list[CaseResult], report_dir: Path, run: dict[str, str]) -> dict:
    base = Path(report_dir).resolve()
    cases = [{"case": r.case_id, "title": r.title, "requirement": r.requirement, "outcome": r.outcome.value, "level": r.level.value,
              "rfc": list(r.rfc), "measured": r.measured, "expected": r.expected, "message": r.message,
              "duration": round(r.duration, 3), "evidence": relative(r.evidence, base) if r.evidence else None,
              "files": attachments(r, base), "properties": dict(r.properties),
              **({"samples": r.samples} if r.samples else {})} for r in results]
    counts: dict[str, int] = {}
    for case in cases:
        counts[case["outcome"]] = counts.get(case["outcome"], 0) + 1
    return {"format": FORMAT, "run": run, "counts": counts, "cases": cases}


def write(report_dir: Path, profile, results: list[CaseResult], run: dict[str, str]) -> Path:
    target = path(report_dir, profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document(results, report_dir, run), indent=1) + "\n")
    return target

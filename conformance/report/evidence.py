"""The evidence folder of a case: REPORT_DIR/<profile>/<case>/ with capture.pcap, dut.log, timeline.txt, verdict.txt.

The pcap, DUT log and timeline are written by the testbed as it closes; this module names the folder and writes the
verdict beside them.
"""
import os
import re
from pathlib import Path

from ..errors import UsageError


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


def check_writable(path: Path, option: str, folder: bool) -> None:
    """`path` can be written (as a folder, or as a file), checked before any case runs: a report that cannot be
    written would be lost after every case had run. UsageError naming the option."""
    path = Path(path)
    if path.exists():
        if folder != path.is_dir():
            raise UsageError(f"{option} {path}: is {'a file' if folder else 'a folder'}; give a "
                             f"{'folder' if folder else 'file name'}")
        target = path if folder else path.parent
    else:
        target = next(p for p in path.absolute().parents if p.exists())
        if not target.is_dir():
            raise UsageError(f"{option} {path}: {target} is a file, so {path} cannot be created")
    if not os.access(target, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: {target} is not writable")


def case_dir(report_dir: Path, profile, case_id: str) -> Path:
    return Path(report_dir) / _slug(profile.slug) / _slug(case_id)


def write_verdict(folder: Path, result, info) -> None:
    lines = [f"{result.case_id}: {result.outcome.value}",
             f"title:     {info.title}",
             f"rfc:       {', '.join(info.rfc)}",
             f"level:     {info.level.value}",
             f"dut:       {result.profile}",
             f"measured:  {result.measured or '-'}",
             f"expected:  {result.expected or '-'}",
             f"duration:  {result.duration:.2f} s", ""]
    if info.requirement:
        lines += ["requirement:", *("  " + line for line in info.requirement.splitlines()), ""]
    if result.message:
        lines += ["verdict:", *("  " + line for line in result.message.splitlines()), ""]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "verdict.txt").write_text("\n".join(lines))

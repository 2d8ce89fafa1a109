"""The evidence folder of a case: REPORT_DIR/<profile>/<case>/ with capture.pcap, dut.log, timeline.txt, verdict.txt.

The pcap, DUT log and timeline are written by the testbed as it closes; this module names the folder and writes the
verdict beside them.
"""
import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import EnvironmentUnfit, UsageError

MIN_FREE = 64 * 1024 * 1024  # bytes free on the report folder's filesystem before a run starts
RESERVE = 4 * 1024 * 1024    # bytes held back from the start, so a disk that fills still gets its JUnit
FULL = (errno.ENOSPC, errno.EDQUOT)


def slug(text: str) -> str:
    """`text` as a file name: C-REBIND-OTHER[split] -> C-REBIND-OTHER-split."""
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
    try:
        fd, probe = tempfile.mkstemp(prefix=".d6c-probe-", dir=target)  # access() says yes to root on a read-only
        os.close(fd)                                                      # or virtual filesystem: try it
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write in {target} ({exc.strerror})") from None


def require_room(folder: Path) -> None:
    """MIN_FREE bytes free where `folder` is (or will be made), or EnvironmentUnfit (exit 3)."""
    existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE:
        raise EnvironmentUnfit(f"{existing}: only {free // 1048576} MiB free; a run needs at least "
                               f"{MIN_FREE // 1048576} MiB for its evidence (--report-dir)")


def disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL


class Reserve:
    """Room held back on the report folder's filesystem (a file of RESERVE bytes) from the start of a run; when the
    disk fills during the run, releasing it lets the JUnit and verdicts of the finished cases be written. Refuses
    to start (EnvironmentUnfit, exit 3) with less than MIN_FREE bytes free. A killed run's reserve is removed by
    the next run into the same folder (`alive(pid)` says whether the run that made one still runs)."""

    PREFIX = ".d6c-reserve-"

    def __init__(self, folder: Path, alive):
        for stale in folder.glob(self.PREFIX + "*"):
            pid = stale.name.removeprefix(self.PREFIX)
            if not (pid.isdigit() and alive(int(pid))):
                stale.unlink(missing_ok=True)
        require_room(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{self.PREFIX}{os.getpid()}"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        try:
            os.posix_fallocate(fd, 0, RESERVE)
        except OSError as exc:
            os.close(fd)
            self.release()
            raise EnvironmentUnfit(f"{folder}: cannot hold back {RESERVE} bytes for the report "
                                   f"({exc.strerror})") from None
        os.close(fd)

    def release(self) -> None:
        self.path.unlink(missing_ok=True)



def case_dir(report_dir: Path, profile, case_id: str) -> Path:
    return Path(report_dir) / slug(profile.slug) / slug(case_id)


def remove_stale(report_dir: Path, profile, case_ids) -> list[Path]:
    """Remove the case folders an earlier run of `profile` left in `report_dir`, so every folder there is this
    run's and matches its JUnit: a folder named as a case (`C-PREF-255`, `C-REBIND-OTHER-split`), nothing else."""
    folder = Path(report_dir) / slug(profile.slug)
    names = {slug(case_id) for case_id in case_ids}
    stale = [p for p in (folder.iterdir() if folder.is_dir() else ()) if p.is_dir() and not p.is_symlink()
             and (p.name in names or p.name.rpartition("-")[0] in names)]  # C-REBIND-OTHER-split: a model's
    for path in stale:
        shutil.rmtree(path)
    return stale


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

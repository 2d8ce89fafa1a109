"""Names of everything a run creates, and the sweep of what a killed run left.

Every namespace is called `d6c-<pid>-<seq>-<role>`: the prefix marks it as ours, the pid says which harness process
owns it, so the next run (or `cleanup`) removes the ones whose owner is gone and never touches a live run's. Pids are
reused: a harness records its start time under /run/d6c-owners/<pid> when it makes its first lab, and a name is live
only while a process with that pid and that start time runs.
Interface names live inside those namespaces only; they are unique within the process because scapy keeps one
interface cache per process (LAB-NOTES).
"""
import itertools
import os
import re
import shutil
import tempfile
from pathlib import Path

from . import netns

PREFIX = "d6c"
_NAME = re.compile(rf"^{PREFIX}-(\d+)-")
_sequence = itertools.count(1)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


class RunTag:
    """The names of one lab: namespace names and short interface names that cannot collide."""

    def __init__(self, pid: int | None = None, seq: int | None = None):
        self.pid = os.getpid() if pid is None else pid
        self.seq = next(_sequence) if seq is None else seq

    def namespace(self, role: str) -> str:
        return f"{PREFIX}-{self.pid}-{self.seq}-{role}"

    def interface(self, suffix: str) -> str:
        name = f"d6{_base36(self.pid)}{_base36(self.seq)}{suffix}"
        if len(name) > 15:
            raise ValueError(f"interface name {name!r} is longer than 15 characters")
        return name

    def owns(self, namespace: str) -> bool:
        return namespace.startswith(f"{PREFIX}-{self.pid}-{self.seq}-")


OWNERS = Path("/run/d6c-owners")  # one file per harness pid: that process's start time (tmpfs: gone at reboot)


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), None if there is no such
    process. A pid can be reused; a pid and its start time name one process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


_claimed: set[int] = set()


def claim() -> None:
    """Record this harness as the owner of the names with its pid (once per process), so a later process that gets
    the same pid is not mistaken for it."""
    if os.getpid() in _claimed:
        return
    OWNERS.mkdir(mode=0o700, exist_ok=True)
    (OWNERS / str(os.getpid())).write_text(_start_time(os.getpid()) or "")
    _claimed.add(os.getpid())


def owner_alive(pid: int) -> bool:
    """Whether the harness that made names with `pid` still runs: a process with that pid, started when the owner
    record says (no record: a harness from before records existed, or one that never made a lab)."""
    started = _start_time(pid)
    if started is None:
        return False
    try:
        recorded = (OWNERS / str(pid)).read_text()
    except FileNotFoundError:
        return True
    return recorded in ("", started)


def ours() -> list[str]:
    return sorted(n for n in netns.names() if _NAME.match(n))


def _stale(name: str, include_live: bool) -> bool:
    pid = int(_NAME.match(name).group(1))
    return include_live or not owner_alive(pid)


def sweep(include_live: bool = False) -> list[str]:
    """Remove our namespaces (with what runs in them) and our state folders under the temp dir whose owning process
    is gone, or all of ours with include_live. Returns what was removed."""
    from . import bench_port  # lent ports go home before their namespaces go
    removed = bench_port.sweep(include_live)
    for name in ours():
        if _stale(name, include_live):
            netns.remove(name)
            removed.append(name)
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}-*"):
        if _NAME.match(folder.name) and _stale(folder.name, include_live):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    for record in OWNERS.glob("*") if OWNERS.is_dir() else ():
        if record.name.isdigit() and not owner_alive(int(record.name)):
            record.unlink(missing_ok=True)
    return removed

"""Names of everything a run creates, and the sweep of what a killed run left.

Every namespace is called `d6c-<pid>-<seq>-<role>`: the prefix marks it as ours, the pid says which harness process
owns it, so the next run (or `cleanup`) removes the ones whose owner is gone and never touches a live run's.
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


def owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ours() -> list[str]:
    return sorted(n for n in netns.names() if _NAME.match(n))


def _stale(name: str, include_live: bool) -> bool:
    pid = int(_NAME.match(name).group(1))
    return include_live or (pid != os.getpid() and not owner_alive(pid))


def sweep(include_live: bool = False) -> list[str]:
    """Remove our namespaces (with what runs in them) and our state folders under the temp dir whose owning process
    is gone, or all of ours with include_live. Returns what was removed."""
    removed = []
    for name in ours():
        if _stale(name, include_live):
            netns.remove(name)
            removed.append(name)
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}-*"):
        if _NAME.match(folder.name) and _stale(folder.name, include_live):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    return removed

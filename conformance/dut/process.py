"""A DUT that is a program: started in its box, its log and the files it wrote kept, stopped for sure.

It is started through the exec helper `conformance.dut.enter`, which puts it in the DUT's network namespace and in
mount, UTS and PID namespaces of its own, with reduced capabilities (dut/enter.py, dut/box.py): the host is
read-only to it, what it writes lands in a size-limited box that is kept as evidence, and every process it starts
ends with it. No lease, DUID, pid file, resolver or hostname change reaches the host or the next case.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..lab import netns
from ..lab.syscalls import CAPABILITY_NUMBERS
from . import box
from .profile import Profile, RelayWiring, fill

# @TOKEN@ in a template file -> the placeholder it stands for (a relay's only where the DUT is a relay)
TEMPLATE_TOKENS = {"@IFACE@": "iface", "@STATE@": "state", "@FIXTURES@": "fixtures", "@HERE@": "here",
                   "@UPPER@": "upper", "@UPPER_ADDRESS@": "upper_address", "@LOWERS@": "lowers",
                   "@LOWER_ADDRESSES@": "lower_addresses", "@DESTINATIONS@": "destinations"}


def render_template(source: Path, values: dict[str, str]) -> str:
    text = source.read_text()
    for token, key in TEMPLATE_TOKENS.items():
        if key in values:
            text = text.replace(token, values[key])
    return text


def _write_private(path: Path, text: str) -> None:
    """A new file only the owner can read: O_EXCL and O_NOFOLLOW refuse anything already there, a planted
    symlink included."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


@dataclass(frozen=True)
class Ending:
    """How the DUT's process ended before the suite stopped it: at capture-clock time `at`, with `status` as
    subprocess reports it (negative: killed by that signal)."""

    at: float
    status: int

    @property
    def crashed(self) -> bool:
        """Killed by a signal or exited with a failure status: a program that serves a network does not do that."""
        return self.status != 0

    def __str__(self) -> str:
        if self.status < 0:
            try:
                name = signal.Signals(-self.status).name
            except ValueError:
                name = "unknown"
            return f"was killed by signal {-self.status} ({name})"
        return f"exited with status {self.status}"


class ProcessDut:
    def __init__(self, profile: Profile, namespace: str, iface: str, state_dir: Path, log_path: Path,
                 wiring: RelayWiring | None = None):
        self.profile = profile
        self.wiring = wiring  # a relay's interfaces and destinations
        self.namespace = namespace
        self.iface = iface
        self.state_dir = state_dir
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.started_at: float | None = None
        self._ended_at: float | None = None
        self._stopping_at: float | None = None
        self.log_failure: OSError | None = None  # why dut.log could not be written

    def _prepare(self) -> list[str]:
        """Render the templates into the state folder. The folder is the testbed's own (mkdtemp: 0700, a name no one
        can guess, never reused); each file is created new, 0600, and never through a symlink."""
        values = self.profile.placeholders(self.iface, self.state_dir, self.wiring)
        self.state_dir.mkdir(mode=0o700, exist_ok=True)  # a composed run's relay gets a folder inside the testbed's
        for name, source in self.profile.templates.items():
            _write_private(self.state_dir / name, render_template(Path(fill(source, values)), values))
        self._placed = []  # [dut.files]: rendered here, put in place inside the box (dut/box.py)
        for index, (target, source) in enumerate(sorted(self.profile.files.items())):
            name = f".placed-{index}"
            _write_private(self.state_dir / name, render_template(Path(fill(source, values)), values))
            self._placed.append((target, name))
        self._env = {name: fill(value, values) for name, value in self.profile.env.items()}
        (self.state_dir / "box").mkdir(mode=0o700)  # the box's mount point: the host is read-only from there on
        return self.profile.arguments(values, self.wiring)

    @property
    def files_path(self) -> Path:
        """Where the evidence keeps the files the DUT wrote (dut-files.tar beside dut.log)."""
        return self.log_path.with_name(self.log_path.stem + "-files.tar")

    def start(self) -> None:
        command = self._prepare()
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "LANG": "C"}
        spec = json.dumps({"netns": netns.path(self.namespace), "state": str(self.state_dir),
                           "private_dirs": list(self.profile.private_dirs), "files_limit": self.profile.files_limit,
                           "files": self._placed, "env": self._env,
                           "capabilities": sorted(CAPABILITY_NUMBERS[name] for name in self.profile.privileges)})
        self.process = subprocess.Popen([sys.executable, "-m", "conformance.dut.enter", spec, "--", *command],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        env=env, cwd=self.state_dir)
        self.started_at = time.time()
        self._log_copier = threading.Thread(target=self._copy_log, args=(self.process.stdout,), name="dut-log",
                                            daemon=True)
        self._log_copier.start()
        threading.Thread(target=self._watch, name="dut-watch", daemon=True).start()

    def _copy_log(self, pipe) -> None:
        """The DUT's output into dut.log, up to the profile's log_limit; past it (or once the log cannot be written,
        as on a full disk) the pipe is still drained, since a DUT blocked on a full pipe would behave differently,
        and the log says how much was cut."""
        limit, written, cut = self.profile.log_limit, 0, 0
        with open(self.log_path, "ab", buffering=0) as log:  # unbuffered: the log is current while it runs
            while chunk := pipe.read1(65536):
                keep = chunk[:max(0, limit - written)] if self.log_failure is None else b""
                try:
                    log.write(keep)
                except OSError as exc:
                    self.log_failure, keep = exc, b""
                written, cut = written + len(keep), cut + len(chunk) - len(keep)
            if cut and self.log_failure is None:
                log.write(f"\n[dut.log cut at {limit} bytes: {cut} more bytes of DUT output discarded "
                          "(profile key dut.log_limit)]\n".encode())
        pipe.close()

    def _watch(self) -> None:
        """Note when the program ends: the moment a crash happened, for the verdict."""
        self.process.wait()
        self._ended_at = time.time()

    def exited(self) -> int | None:
        """The exit status if the program has ended, else None."""
        return None if self.process is None else self.process.poll()

    def ending(self) -> Ending | None:
        """How the program ended on its own, before the suite stopped it; None while it runs or if the suite
        ended it."""
        status = self.exited()
        if status is None:
            return None
        at = self._ended_at or time.time()
        if self._stopping_at is not None and at >= self._stopping_at:
            return None
        return Ending(at, status)

    def stop(self) -> None:
        """SIGTERM (which the box's init passes to the program), SIGKILL to the box's init after the profile's
        stop_timeout, SIGKILL to all of it if even that does not end it; then the last of its output into dut.log
        and the files it wrote into the evidence."""
        if self.process is None:
            return
        if self._stopping_at is None and self.process.poll() is None:
            self._stopping_at = time.time()  # an ending after this is the suite's doing
        self._end()
        self._log_copier.join(timeout=2.0)
        self._keep_files()
        if self.log_failure is not None:
            raise self.log_failure  # the teardown records it (a full disk ends the run)

    def _end(self) -> None:
        for sig, whom, wait in ((signal.SIGTERM, self._group, self.profile.stop_timeout),
                                (signal.SIGKILL, self._init, 5.0), (signal.SIGKILL, self._group, 5.0)):
            if self.process.poll() is not None:
                return
            whom(sig)
            try:
                self.process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def _group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def _init(self, sig: int) -> None:
        """The box's init (the keeper's child): killing it ends every process of the DUT, and the keeper still
        keeps the files they wrote."""
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as children:
                for pid in children.read().split():
                    os.kill(int(pid), sig)
        except (FileNotFoundError, ProcessLookupError):
            pass

    def _keep_files(self) -> None:
        """dut-files.tar into the evidence with a listing beside it (dut-files.txt), or a line saying why not."""
        kept = self.state_dir / box.FILES
        listing = self.files_path.with_suffix(".txt")
        if self.files_path.exists():
            return  # kept by an earlier stop
        if not kept.is_file():
            listing.write_text("the files the DUT wrote were not kept: its box was killed (see the log)\n")
            return
        shutil.move(kept, self.files_path)
        with tarfile.open(self.files_path) as tar:
            listing.write_text(box.describe(tar.getmembers()))

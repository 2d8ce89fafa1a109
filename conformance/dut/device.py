"""A device on a port of the lab host (attach = "interface"): the suite does not start it, it brings it to a case's
starting point.

`start` runs the profile's reset (a command on the lab host: a switched PDU, labgrid, SSH or a serial console
restarting the client or relay; without one, the operator is asked on the terminal) and then waits until the
device is ready as the profile says: "solicit" (a client's first Solicit) and "relaying" (a relay passing on a
probe Solicit) are what the case itself waits for, with ready_timeout instead of the 10 s a program gets; "link",
a carrier on its (first) port; or a command, run each second until it exits 0. The reset's output (and the ready
command's) goes into dut.log and its duration into the case's measurements, never into a verdict: the case's clock starts when the reset is over. A device runs
on after its case, so it never ends and `stop` leaves it to the next case's reset.
"""
import select
import subprocess
import sys
import time
from pathlib import Path

from pyroute2 import NetNS

from ..results import HarnessError
from .profile import Profile


class DeviceDut:
    process = None

    def __init__(self, profile: Profile, namespace: str, lent: str, log_path: Path):
        self.profile, self.bench = profile, profile.bench
        self.namespace, self.lent = namespace, lent  # where the port is while lent, and its name there
        self.log_path = log_path
        self.started_at: float | None = None
        self.reset_seconds: float | None = None

    def start(self) -> None:
        began = time.time()
        if self.bench.reset:
            status = self._run("reset", self.bench.reset, self.bench.reset_timeout, "dut.reset_timeout")
            if status != 0:
                raise HarnessError(f"the reset command exited with status {status}; see dut.log")
        else:
            self._ask_operator()
        if self.bench.ready == "link":
            self._wait_for_carrier()
        elif not isinstance(self.bench.ready, str):
            self._wait_for_command()
        self.reset_seconds = time.time() - began
        self.started_at = time.time()

    def _run(self, what: str, command: tuple[str, ...], timeout: float, key: str) -> int:
        """Run a profile's command on the lab host, its output into dut.log; HarnessError if it outlives `timeout`.
        Its exit status."""
        values = {"iface": self.bench.interface, "vlan": str(self.bench.vlan or ""),
                  "profile_dir": str(self.profile.path.parent), "python": sys.executable}
        argv = [arg.format(**values) for arg in command]
        with open(self.log_path, "ab") as log:
            log.write(f"[{what}: {' '.join(argv)}]\n".encode())
            log.flush()
            try:
                status = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                        timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                raise HarnessError(f"the {what} command did not finish within {timeout:.0f} s ({key}); see "
                                   "dut.log") from None
        return status

    def _wait_for_command(self) -> None:
        deadline = time.time() + self.bench.ready_timeout
        while self._run("ready", self.bench.ready, max(1.0, deadline - time.time()), "dut.ready_timeout") != 0:
            if time.time() > deadline:
                raise HarnessError(f"the ready command did not exit 0 within {self.bench.ready_timeout:.0f} s of the "
                                   "reset (dut.ready_timeout); see dut.log")
            time.sleep(1.0)

    def _ask_operator(self) -> None:
        if not sys.stdin.isatty():
            raise HarnessError("the profile has no reset command and no operator can be asked (stdin is not a "
                               "terminal): give [dut] reset, or run the suite from a terminal")
        print(f"\nReset the device on {self.bench.interface} to its starting point (no lease, fresh state), then "
              f"press Enter ({self.bench.reset_timeout:.0f} s)...", flush=True)
        if not select.select([sys.stdin], [], [], self.bench.reset_timeout)[0]:
            raise HarnessError(f"no operator confirmed the reset within {self.bench.reset_timeout:.0f} s")
        sys.stdin.readline()

    def _wait_for_carrier(self) -> None:
        deadline = time.time() + self.bench.ready_timeout
        with NetNS(self.namespace, flags=0) as ipr:
            index = ipr.link_lookup(ifname=self.lent)[0]
            while ipr.get_links(index)[0].get_attr("IFLA_CARRIER") != 1:
                if time.time() > deadline:
                    raise HarnessError(f"the device's port had no carrier within {self.bench.ready_timeout:.0f} s "
                                       "of its reset (dut.ready_timeout)")
                time.sleep(0.1)

    def exited(self) -> None:
        return None

    def ending(self) -> None:
        return None

    def stop(self) -> None:
        pass

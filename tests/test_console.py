"""The console a person or a CI log reads: each case's number, ID and title as it starts and its outcome as it ends;
a long wait says what it waits for and how long it may last (a live line on a terminal, timestamped lines in a log);
at the end a table with every verdict's reason and the counts, and no Python traceback unless --debug."""
import re
import time

import pytest

from conformance import console as console_module
from conformance.console import Console
from conformance.lab import progress
from conftest import control_profile, run_cli

LAB = pytest.mark.lab


class _Terminal:
    """What pytest's terminal reporter offers the console: lines, a rewritten line, and whether it is a TTY."""

    def __init__(self, tty: bool):
        self.tty, self.lines, self.rewrites = tty, [], []

    def isatty(self):
        return self.tty

    def write_line(self, line):
        self.lines.append(line)

    def rewrite(self, line, erase=False):
        self.rewrites.append(line)

    def write(self, text):
        pass

    def flush(self):
        pass


class _Plugins:
    def __init__(self, terminal):
        self.terminal = terminal

    def get_plugin(self, name):
        return self.terminal if name == "terminalreporter" else None


class _Config:
    class option:
        dist = "no"

    def __init__(self, terminal):
        self.pluginmanager = _Plugins(terminal)

    def getoption(self, name):
        return ["profile.toml"] if name == "--dut-profile" else None


class _Session:
    items = ()


def _waiting_console(monkeypatch, tty: bool) -> _Terminal:
    """A console drawing a 1.2 s wait, with its thresholds made short (the real ones are 3 s, 10 s and 30 s)."""
    monkeypatch.setattr(console_module, "PLAIN_FROM", 0.3)
    monkeypatch.setattr(console_module, "PLAIN_EVERY", 0.4)
    monkeypatch.setattr(console_module, "LIVE_EVERY", 0.1)
    monkeypatch.setattr(progress, "SHOWN_FROM", 1.0)
    terminal = _Terminal(tty)
    console = Console(_Config(terminal), False)
    console.pytest_collection_finish(_Session())
    console._current = "C-REQUEST-FAILOVER"
    try:
        progress.sleep_until(time.time() + 0.1, "nothing worth a line")
        progress.sleep_until(time.time() + 1.2, "the DUT's Request")
    finally:
        console.pytest_unconfigure()
    return terminal


def test_a_long_wait_in_a_log_gets_timestamped_lines_with_the_time_left(monkeypatch):
    terminal = _waiting_console(monkeypatch, tty=False)
    assert len(terminal.lines) in (2, 3), terminal.lines
    for line in terminal.lines:
        assert re.fullmatch(r"\d\d:\d\d:\d\d +C-REQUEST-FAILOVER waiting for the DUT's Request: at most \d+ s more",
                            line), line
    assert not terminal.rewrites


def test_a_long_wait_on_a_terminal_is_one_live_line(monkeypatch):
    terminal = _waiting_console(monkeypatch, tty=True)
    assert not terminal.lines
    drawn = [line for line in terminal.rewrites if line]
    assert len(drawn) >= 5 and all("C-REQUEST-FAILOVER waiting for the DUT's Request: at most" in l for l in drawn)
    assert "nothing worth a line" not in "".join(terminal.rewrites)  # a short wait is not shown
    assert terminal.rewrites[-1] == ""  # the live line is wiped when the wait ends


@pytest.mark.cost(40)
@LAB
def test_a_run_names_each_case_as_it_starts_and_ends_with_reasons_and_no_traceback(tmp_path):
    """The control client that never Renews: C-RENEW-T1 FAILs, C-RENEW-MRD cannot be judged (ERROR), the PD case
    does not apply (SKIP), C-PREF-255 PASSes."""
    profile = control_profile(tmp_path, "no-renew")
    result = run_cli("run", "--profile", str(profile), "--case", "C-PREF-255", "--case", "C-RENEW-T1",
                     "--case", "C-RENEW-MRD", "--case", "C-PD-PREF-255", "--report-dir", str(tmp_path / "r"))
    out = result.stdout
    assert re.search(r"^\d\d:\d\d:\d\d \[1/4\] C-[A-Z0-9-]+  [A-Z]", out, re.M), out
    assert re.search(r"^\d\d:\d\d:\d\d \[\d/4\] C-PD-PREF-255  A delegating router's Advertise", out, re.M), out
    assert re.search(r"^\d\d:\d\d:\d\d +FAIL in \d+\.\d s: RFC 9915 18.2.4: at time T1", out, re.M), out
    table = out[out.index("DHCPv6 conformance verdicts"):]
    assert re.search(r"^FAIL +C-RENEW-T1 +MUST +RFC 9915 18.2.4: .*\n +expected: Renew at T1 = 3 s after the Reply\n"
                     r" +actual: +no Renew within", table, re.M), table
    assert re.search(r"^ERROR +C-RENEW-MRD +MUST +not judged: .*C-RENEW-T1 judges that$", table, re.M), table
    assert re.search(r"^SKIP +C-PD-PREF-255 +MUST +the profile does not declare ia_pd$", table, re.M), table
    assert re.search(r"^PASS +C-PREF-255 +MUST +measured request_server=s2 .*\n +expected ", table, re.M), table
    assert re.search(r"^4 cases: 1 PASS, 1 FAIL, 1 SKIP, 1 ERROR$", table, re.M), table
    assert re.fullmatch(r"\d+ deselected(, 1 (SKIP|FAIL|ERROR|PASS)){4} in [\d.]+s", out.splitlines()[-1]), out
    assert "Traceback" not in out + result.stderr and "conformance/" not in out and " object at 0x" not in out
    assert result.returncode == 1
    debug = run_cli("run", "--profile", str(profile), "--case", "C-RENEW-MRD", "--debug",
                    "--report-dir", str(tmp_path / "d"))
    assert "HarnessError" in debug.stdout and debug.returncode == 3, debug.stdout  # pytest's account, for debugging

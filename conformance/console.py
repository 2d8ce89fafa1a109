"""The console of a run, for people and for CI logs: each case's number, ID and title as it starts and its outcome as
it ends; during a long protocol wait what it waits for and the time left (a live line on a terminal, timestamped
lines otherwise); at the end a table of every verdict with its reason, and the counts.

pytest's own per-test letters, tracebacks and failure sections are left out (they show the harness's code, not the
DUT's behaviour) unless --debug; pytest's closing line counts the suite's outcomes (`3 PASS, 2 WARN`), not
pytest's.
"""
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from .lab import progress
from .report import readiness
from .results import CaseResult, Outcome

PLAIN_FROM = 10.0    # seconds: a wait this long gets a line in a CI log
PLAIN_EVERY = 30.0   # seconds between its "still waiting" lines
LIVE_EVERY = 0.5     # seconds between redraws of the live line on a terminal
REASON_LINES = 6     # lines of a verdict's reason in the summary table


def _clock() -> str:
    return time.strftime("%H:%M:%S")


class Console:
    """A pytest plugin object (registered by the suite's plugin when it judges a DUT) and the drawer of waits."""

    def __init__(self, config, debug: bool):
        self._plugins = config.pluginmanager
        self.debug = debug
        self.parallel = getattr(config.option, "dist", "no") != "no"  # xdist: cases end in any order
        self.profiles = len(config.getoption("--dut-profile"))  # several: each line names its profile
        self.live = False
        self._total = 0
        self._cases: set[str] = set()  # nodeids of the cases that have started
        self._wait: tuple[str, float] | None = None
        self._began = self._drawn_at = 0.0
        self._current = ""
        self._running: dict[str, tuple[str, float]] = {}  # side by side: nodeid -> (name, when it started)
        self._said_at = time.time()
        self._lock = threading.Lock()  # the heartbeat thread writes too
        self._stop = threading.Event()

    # pytest hooks -------------------------------------------------------------------------------------------
    @property
    def _reporter(self):
        return self._plugins.get_plugin("terminalreporter")  # made after the suite's plugin is configured

    @property
    def _capture(self):
        return self._plugins.get_plugin("capturemanager")

    def pytest_collection_finish(self, session):
        self.live = bool(self._reporter is not None and self._reporter.isatty())
        self._total = self._total or sum(1 for item in session.items if item.get_closest_marker("dhcpv6_case"))
        progress.show_on(self)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self._total = self._total or len(ids)  # every worker collects the same cases

    def pytest_sessionstart(self, session):
        if self.parallel:  # the waits happen in the workers: say what still runs when all is quiet
            threading.Thread(target=self._heartbeat, name="console-heartbeat", daemon=True).start()

    def pytest_sessionfinish(self):
        self._stop.set()  # before the summary is written

    def pytest_unconfigure(self):
        self._stop.set()
        progress.show_on(None)

    def _heartbeat(self) -> None:
        """Side by side, after PLAIN_EVERY s without a line: which cases still run, and for how long."""
        while not self._stop.wait(1.0):
            now = time.time()
            running = sorted(list(self._running.values()), key=lambda entry: entry[1])  # a copy: cases go on
            if running and now - self._said_at >= PLAIN_EVERY:
                shown = ", ".join(f"{name} ({now - began:.0f} s)" for name, began in running[:4])
                more = f" and {len(running) - 4} more" if len(running) > 4 else ""
                self.say(f"{self._stamp()}{'':6}still running: {shown}{more}")

    def pytest_runtest_logreport(self, report):
        """A line as a case starts (its lab is up) and as it ends; the plugin's reports carry what they say."""
        started = getattr(report, "dhcpv6_case", None)
        if started is not None:
            name, title, profile = started
            self._cases.add(report.nodeid)
            self._current = name
            self._running[report.nodeid] = (name + self._of(profile), time.time())
            self.say(f"{self._stamp()}[{len(self._cases)}/{self._total}] {name}{self._of(profile)}  {title}")
        ended = getattr(report, "dhcpv6", None)
        if ended is not None:
            self._running.pop(report.nodeid, None)
            result = ended["result"]
            reason = result["message"].strip().splitlines()[0] if result["outcome"] != "PASS" and result["message"] \
                else ""
            name = f"{result['case_id']}{self._of(ended['run'])} " if self.parallel else ""
            self.say(f"{self._stamp()}{'':6}{name}{result['outcome']} in {result['duration']:.1f} s"
                     + (f": {reason}" if reason else ""))

    def _of(self, profile: str) -> str:
        return f" ({profile})" if self.profiles > 1 else ""

    def pytest_report_teststatus(self, report, config):
        """No letters for cases; the pytest category of a case is its final outcome, counted once (teardown)."""
        if self.debug or not (report.nodeid in self._cases or hasattr(report, "dhcpv6_case")):
            return None
        ended = getattr(report, "dhcpv6", None)
        return (ended["result"]["outcome"], "", "") if ended else ("", "", "")

    # progress.Console ---------------------------------------------------------------------------------------
    def wait_began(self, what: str, deadline: float) -> None:
        self._wait, self._began, self._drawn_at = (what, deadline), time.time(), 0.0
        self.wait_ticked()

    def wait_ticked(self) -> None:
        """On a terminal, redraw the live line; in a log, a line once a wait has lasted PLAIN_FROM s (most waits
        end within a second, when the awaited message comes), then every PLAIN_EVERY s."""
        if self._wait is None:
            return
        what, deadline = self._wait
        now = time.time()
        left = f"{what}: at most {max(0.0, deadline - now):.0f} s more"
        if self.live and now - self._drawn_at >= LIVE_EVERY:
            self._drawn_at = now
            self._write(lambda: self._reporter.rewrite(f"{'':6}{self._current} waiting for {left}", erase=True))
        elif not self.live and now - self._began >= PLAIN_FROM and now - (self._drawn_at or self._began) >= (
                PLAIN_EVERY if self._drawn_at else PLAIN_FROM):
            self._drawn_at = now
            self.say(f"{self._stamp()}{'':6}{self._current} waiting for {left}")

    def wait_ended(self) -> None:
        if self._wait is not None and self.live and self._drawn_at:
            self._write(self._wipe_live_line)
        self._wait, self._drawn_at = None, 0.0

    def _wipe_live_line(self) -> None:
        self._reporter.rewrite("", erase=True)
        self._reporter.write("\r")  # the next line starts at the left edge

    # output -------------------------------------------------------------------------------------------------
    def _stamp(self) -> str:
        return "" if self.live else f"{_clock()} "

    def say(self, line: str) -> None:
        self._said_at = time.time()
        self._write(lambda: self._reporter.write_line(line))

    def _write(self, draw) -> None:
        """Draw on the terminal even while a case runs (pytest captures its output then)."""
        if self._reporter is None:
            return
        with self._lock:
            if self._capture is None:
                draw()
            else:
                with self._capture.global_and_fixture_disabled():
                    draw()
            self._reporter.flush()

    def summary(self, title: str, results: list[CaseResult], files: list[tuple[str, Path]]) -> None:
        """The verdict table, the counts and where the reports are."""
        reporter = self._reporter
        reporter.section(f"DHCPv6 conformance verdicts: {title}")
        reporter.write_line(f"{'outcome':8} {'case':26} {'level':7} measured, expected, and why")
        indent = " " * 44
        for result in results:
            reasons = result.message.strip().splitlines()[:REASON_LINES] if result.outcome != Outcome.PASS else []
            lines = [f"measured {result.measured}"] if result.measured else []
            lines += [f"expected {result.expected}"] if result.expected else []
            lines += [line.strip() for line in reasons]
            if "stale_waiver" in result.properties:
                lines.append(f"STALE WAIVER: {result.properties['stale_waiver']}")
            lines = lines or ["-"]
            reporter.write_line(f"{result.outcome.value:8} {result.case_id:26} {result.level.value:7} {lines[0]}")
            for line in lines[1:]:
                reporter.write_line(indent + line)
        counts = Counter(result.outcome.value for result in results)
        reporter.write_line(f"{len(results)} cases: " + ", ".join(f"{counts[o.value]} {o.value}" for o in Outcome
                                                                   if counts[o.value]))
        reporter.write_line("RFC 6853 readiness (does the device do all each deployment model needs of it):")
        for row in readiness.table(readiness.cells_of_results(results)):
            reporter.write_line(f"  {readiness.line(row)}")
        for label, path in files:
            reporter.write_line(f"{label + ':':10}{path}")

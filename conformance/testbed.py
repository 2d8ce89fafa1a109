"""What a client case works with: a lab holding the DUT and its fake servers, the capture, and the DUT itself.

Cases call it `lab` (DESIGN.md): `lab.server(...)`, `lab.start_dut()`, `lab.expect(SOLICIT)`. Every time it hands
out is a kernel capture timestamp.
"""
import atexit
import os
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from scapy.layers.inet6 import ICMPv6ND_NS, IPv6
from scapy.layers.l2 import Ether

from . import interrupts
from .dut.device import DeviceDut
from .dut.process import ProcessDut
from .dut.profile import Profile
from .lab import ladder, netns, probe, progress
from .lab.capture import Capture
from .lab.component import Component
from .lab.packet_socket import DEFAULT_BUFFER
from .lab.timeline import Timeline, format_message
from .lab.topology import Lab, Port
from .report import evidence
from .results import HarnessError, Violation
from .retransmission import Series
from .servers.fake_server import FakeServer
from .servers.models import Model
from .servers.pool import AddressPool, PrefixPool
from .servers.script import Lifetimes, ServerScript
from .verdict import server_for, server_named
from .wire.constants import CLIENT_MESSAGES, MESSAGE_NAMES, REPLY, REQUEST, SOLICIT
from .wire.frame import Message
from .wire.timing import Params, first_rt_window, next_rt_window

STATE_ROOT = Path(tempfile.gettempdir())
BASE_LIFETIMES = Lifetimes(t1=3, t2=5, preferred=7, valid=9)  # short, so lifecycle cases cost seconds
DUT_START_TIMEOUT = 10.0  # how long a DUT may take from start to its first message before the case gives up
CAPTURE_SLACK = 0.2  # a frame's kernel timestamp precedes the moment the capture thread hands it over
LAST_WORDS = 5  # messages before a DUT's crash that its verdict quotes
# Receive buffer of each capture socket, bytes. The environment variable exists to test loss handling (README).
CAPTURE_BUFFER = int(os.environ.get("DHCPV6_CONFORMANCE_CAPTURE_BUFFER", DEFAULT_BUFFER))
_open_testbeds: set["Testbed"] = set()
_OWNER_PID = os.getpid()


def _close_all_at_exit() -> None:
    # pyroute2 forks helper children that run atexit handlers too: only the harness itself may tear labs down.
    if os.getpid() != _OWNER_PID:
        return
    for testbed in list(_open_testbeds):
        try:
            testbed.close()
        except KeyboardInterrupt:  # a signal deferred during that teardown: the process is ending anyway
            pass


atexit.register(_close_all_at_exit)


def default_pool(index: int) -> AddressPool:
    """Server n's own /64 (the multiple-unique-prefixes model of RFC 6853 section 6.2)."""
    return AddressPool(f"2001:db8:{index}::/64", f"2001:db8:{index}::1000", f"2001:db8:{index}::1fff")


def default_pd_pool(index: int) -> PrefixPool:
    return PrefixPool(f"2001:db8:{0x100 + index:x}::/48", 56)


@dataclass(frozen=True)
class Binding:
    """The DUT got leases: the Request that asked, the Reply that granted, the server that sent it."""

    request: Message
    reply: Message
    server: FakeServer

    @property
    def at(self) -> float:
        """T1, T2 and lifetimes count from the Reply's arrival (RFC 9915 section 18.2.10.1)."""
        return self.reply.time

    @property
    def leases(self) -> list[str]:
        return [lease.address for ia in self.reply.ias for lease in ia.leases if lease.valid > 0]

    @property
    def addresses(self) -> list[str]:
        """The leases a client configures on its link (a delegated prefix answers no Neighbor Solicitation)."""
        return [lease for lease in self.leases if "/" not in lease]


class Testbed:
    """The parts every kind of case shares: the lab, its captures and timeline, fake servers, the DUT process, the
    record of measured values, and a teardown that runs however the case ends. Subclasses build the topology."""

    def __init__(self, profile: Profile, evidence_dir: Path):
        self.created = time.time()  # with closing and closed: where a case's time goes (phases())
        self.closing = self.closed = 0.0
        self.profile = profile
        self.tolerance = profile.timing.tolerance
        self.reference = profile.timing.reference  # the standard whose numbers are judged ([timing] rfc)
        self.evidence_dir = evidence_dir
        evidence_dir.mkdir(parents=True, exist_ok=True)
        self.measurements: dict[str, str] = {}
        self.expected: dict[str, str] = {}
        self.samples: dict[str, list[float]] = {}
        self.bands: list[tuple[str, float, float]] = []  # the RFC windows judged against, for the ladder diagram
        self.servers: list[FakeServer] = []
        self.captures: list[Capture] = []
        self.timeline = Timeline()
        self.lab = Lab()
        self.dut: ProcessDut | None = None
        self.teardown_errors: list[str] = []
        self.disk_full = False  # a teardown step found the report folder's disk full
        _open_testbeds.add(self)
        try:
            # A signal waits until the lab is built: interrupted inside a netlink call, pyroute2 can be left
            # waiting on its helper, and the teardown after it would hang.
            with interrupts.deferred():
                self.lab.__enter__()
                # Unguessable and 0700, never an existing folder: nothing planted there can redirect what we write.
                self.state_dir = Path(tempfile.mkdtemp(prefix=self.lab.tag.namespace("state") + "-", dir=STATE_ROOT))
                self._build()
        except BaseException:
            self.close()
            raise

    def _build(self) -> None:
        raise NotImplementedError

    @property
    def start_timeout(self) -> float:
        """How long the DUT may take from its start to its first message: a device may be booting."""
        return self.profile.bench.ready_timeout if self.profile.bench else DUT_START_TIMEOUT

    def capture(self, namespace: str, iface: str, link: str = "lan") -> Capture:
        capture = Capture(namespace, iface, self.timeline, link, CAPTURE_BUFFER, self.profile.capture_limit)
        self.captures.append(capture)
        return capture

    def components(self) -> list[Component]:
        """Every part of the lab with a thread of its own."""
        return [*self.captures, *self.servers]

    def harness_failures(self) -> list[str]:
        """What went wrong on the suite's side: a component that raised or died, a teardown step that failed.
        Any of it makes the case ERROR: its verdict may rest on the broken part."""
        return [text for part in self.components() for text in part.failures] + self.teardown_errors

    # completeness of the capture ------------------------------------------------------------------------------
    def lost_between(self, start: float, end: float) -> int:
        return sum(capture.lost_between(start, end) for capture in self.captures)

    def require_complete(self, start: float, end: float, what: str) -> None:
        """A verdict on what did not happen in [start, end] needs every frame of that window: HarnessError if the
        capture lost any there."""
        lost = self.lost_between(start, end)
        if lost:
            origin = self.timeline.origin or start
            raise HarnessError(f"the capture lost {lost} frames between +{start - origin:.3f} s and "
                               f"+{end - origin:.3f} s, so {what} cannot be judged (capture.txt has the account)")

    # the DUT's own ending -------------------------------------------------------------------------------------
    def duts(self) -> list[tuple[str, ProcessDut, set[str]]]:
        """(what to call it, the process, its MACs) for each DUT of the case."""
        raise NotImplementedError

    def first_words(self, macs: set[str]) -> Message | None:
        """The first message a DUT with these MACs sent: from then on it was up and talking."""
        return min(self.timeline.messages(lambda m: m.src_mac in macs), key=lambda m: m.time, default=None)

    def dut_ending(self) -> tuple[str, bool] | None:
        """How a DUT ended on its own during the case, as a sentence with its last messages before that, and
        whether that fails the case: a DUT that crashed (signal, failure status) after it had begun to talk has
        failed what the case asked of it. None if every DUT ran until the suite stopped it."""
        for what, dut, macs in self.duts():
            ending = dut.ending()
            if ending is None:
                continue
            origin = self.timeline.origin or ending.at
            spoke = self.first_words(macs)
            before = [m for m in sorted(self.timeline.messages(), key=lambda m: m.time) if m.time <= ending.at]
            lines = "".join(f"\n    {format_message(m, origin)}" for m in before[-LAST_WORDS:])
            sentence = (f"{what} {ending} at +{ending.at - origin:.3f} s"
                        + ("" if spoke else " before it sent anything")
                        + (f"; the last messages before it:{lines}" if lines else ""))
            return sentence, ending.crashed and spoke is not None
        return None

    def _ended_before(self, moment: float):
        """(a sentence saying how, the Ending) for the first DUT that ended before capture-clock time `moment`."""
        origin = self.timeline.origin or moment
        for what, dut, _ in self.duts():
            ending = dut.ending()
            if ending is not None and ending.at < moment:
                return f"{what} {ending} at +{ending.at - origin:.3f} s, before +{moment - origin:.3f} s", ending
        return None, None

    def ended_before(self, moment: float) -> str | None:
        """A sentence saying how a DUT ended before capture-clock time `moment`, or None if all ran until then."""
        return self._ended_before(moment)[0]

    def require_running(self, until: float, watched: str, exit_allowed: str | None = None) -> None:
        """A verdict that something did not happen until `until` rests on a DUT that was running: a DUT that
        ended before then makes it vacuous. SKIP when the RFC lets the DUT end there (`exit_allowed` says why),
        ERROR otherwise; a crash becomes the DUT's FAIL at teardown (plugin)."""
        sentence, ending = self._ended_before(until)
        if sentence is None:
            return
        if exit_allowed and not ending.crashed:
            pytest.skip(f"not judged: {sentence}, the end of the window watched for {watched}; {exit_allowed}")
        raise HarnessError(f"not judged: {sentence}, the end of the window watched for {watched}; a DUT that is "
                           "not running shows nothing of what the case asks")

    def lab_macs(self) -> set[str]:
        """The MACs of the lab's own hosts: any other source on a lent port is the device."""
        return {p.mac for host in self.lab.hosts.values() for p in host.ports.values()}

    def learn_mac(self, port: Port, message: Message) -> None:
        """A device on the bench: its port's MAC is the source of the first frame on that port's link that no host
        of the lab sent."""
        if port.mac is None and message.link == port.link and message.src_mac not in self.lab_macs():
            port.mac = message.src_mac

    def _ladder(self) -> dict:
        """The ladder diagram's data: the DUT's column first, then the lab's hosts (servers by their preference)."""
        columns, order = {}, []
        for what, _, macs in self.duts():
            name = "DUT" if what == "the DUT" else what.removeprefix("the ")
            columns.update({mac: name for mac in macs if mac})
            order.append(name)
        described = {server.host.name: server.described for server in self.servers}
        for host in self.lab.hosts.values():
            name = described.get(host.name, host.name)
            fresh = {port.mac: name for port in host.ports.values() if port.mac and port.mac not in columns}
            if fresh:
                columns.update(fresh)
                order.append(name)
        return ladder.ladder(self.timeline, columns, list(dict.fromkeys(order)), self.bands,
                             {server.duid: server.name for server in self.servers})

    def _sender_names(self):
        """MAC -> who sent it, for the timeline's Neighbor Discovery lines: the DUT (or the relay), or the suite."""
        names = {mac: "the suite" for mac in self.lab_macs()}
        names.update({mac: what for what, _, macs in self.duts() for mac in macs if mac})
        return names.get

    def note_started(self) -> None:
        """The DUT's start in the timeline; for a device, the end of its reset, whose duration is recorded (never
        judged): the case's clock starts there."""
        if self.profile.bench is None:
            self.timeline.note(self.dut.started_at, "lab", "DUT STARTED: its program runs from here")
            return
        self.record("reset", f"{self.dut.reset_seconds:.1f} s (not counted in any verdict)")
        self.timeline.note(self.dut.started_at, "lab", f"RESET done in {self.dut.reset_seconds:.1f} s: the case "
                                                       "starts here")

    def wait_until(self, moment: float, what: str = "the end of the case's watch window") -> None:
        """Let the lab run until capture-clock time `moment` (the console shows it as a wait for `what`)."""
        progress.sleep_until(moment, what)

    def server_named_by(self, message: Message) -> FakeServer | None:
        return server_for(message, self.servers)

    def named(self, message: Message) -> str:
        return server_named(message, self.servers)

    def record(self, name: str, measured: str, expected: str = "") -> None:
        """A measured value and its expected window, for the report's properties."""
        self.measurements[name] = measured
        if expected:
            self.expected[name] = expected

    def band(self, label: str, start: float, end: float) -> None:
        """An RFC window (capture-clock times) the case judges a message against, drawn on its ladder diagram."""
        self.bands.append((label, start, end))

    def band_series(self, series: Series, name: str, strictly_above_irt: bool = False) -> None:
        """The window of each retransmission of `series`, as require_series judges it, on the ladder diagram."""
        for index, (sent, window) in enumerate(zip(series.messages, series.windows(self.tolerance,
                                                                                    strictly_above_irt)), 2):
            self.band(f"{name} {index} due (RT window)", sent.time + window.low, sent.time + window.high)

    def sample(self, name: str, *values: float) -> None:
        """Raw values of a randomised quantity (seconds, or a ratio), kept so `soak` can judge their distribution
        across runs: one run shows a value, only many runs show whether RAND was random."""
        self.samples.setdefault(name, []).extend(values)

    def _teardown_steps(self):
        """(what, step) in the order teardown runs them; each step's failure is kept, the next step still runs."""
        yield from ((f"stopping {what}", dut.stop) for what, dut, _ in self.duts())
        yield from ((f"stopping {part.label}", part.stop) for part in self.components() if part not in self.captures)
        for capture in self.captures:
            name = "capture.pcap" if len(self.captures) == 1 else f"capture-{capture.link}.pcap"
            yield f"stopping {capture.label}", capture.stop
            yield f"writing {name}", lambda c=capture, n=name: c.write_pcap(self.evidence_dir / n)
        if self.captures:
            yield "writing timeline.txt", lambda: (self.evidence_dir / "timeline.txt").write_text(
                self.timeline.render(self._sender_names()))
            yield "writing ladder.json", lambda: ladder.write(self.evidence_dir / "ladder.json", self._ladder())
            yield "writing capture.txt", lambda: (self.evidence_dir / "capture.txt").write_text(
                "\n".join(capture.account() for capture in self.captures) + "\n")

    def close(self) -> None:
        """Stop the DUT, the servers and the captures, write the evidence, remove the lab. Idempotent. A step that
        fails is recorded (the case becomes ERROR) and the others still run, so the evidence survives it."""
        if self not in _open_testbeds or os.getpid() != _OWNER_PID:
            return
        _open_testbeds.discard(self)
        with interrupts.deferred():
            self._close()

    def phases(self) -> dict[str, float]:
        """Seconds of the harness's own work (the lab and capture before the DUT starts, and the teardown: DUT
        stop, evidence, lab removal) and of the protocol (DUT start to the end of the case's last wait)."""
        started = self.dut.started_at if self.dut is not None else None
        if not (started and self.closed):
            return {}
        return {"harness_s": (started - self.created) + (self.closed - self.closing),
                "protocol_s": self.closing - started}

    def _close(self) -> None:
        self.closing = time.time()
        try:
            for what, step in self._teardown_steps():
                try:
                    step()
                except Exception as exc:  # noqa: BLE001
                    self.disk_full = self.disk_full or evidence.disk_full(exc)
                    self.teardown_errors.append(f"{what}: {traceback.format_exc()}")
            failures = self.harness_failures()
            if failures:
                try:
                    (self.evidence_dir / "harness-errors.txt").write_text("\n".join(failures))
                except OSError as exc:
                    if not evidence.disk_full(exc):
                        raise
                    self.disk_full = True
        finally:
            self.lab.destroy()
            shutil.rmtree(getattr(self, "state_dir", "/nonexistent"), ignore_errors=True)
            self.closed = time.time()


class ClientTestbed(Testbed):
    """A client DUT alone on one link with the fake servers a case adds; the capture is on the DUT's bridge port."""

    def _build(self) -> None:
        bench = self.profile.bench
        if bench is not None:  # a device on a port of the lab host: the port itself faces the bridge
            self.dut_host = self.lab.lend_port(bench.interface, bench.vlan)
            self.dut_port = self.dut_host.port()
            self.dut = DeviceDut(self.profile, self.lab.switch, self.dut_port.bridge_port,
                                 self.evidence_dir / "dut.log")
        else:
            self.dut_host = self.lab.add_host("dut")
            self.dut_port = self.dut_host.port()
            self.dut = ProcessDut(self.profile, self.dut_host.namespace, self.dut_port.iface, self.state_dir,
                                  self.evidence_dir / "dut.log")
        self.capture(self.lab.switch, self.dut_port.bridge_port)

    # scenario -------------------------------------------------------------------------------------------------
    def server(self, preference: int | None = None, advertise_delay: float = 0.0, **script) -> FakeServer:
        """Add a fake server on the DUT's link, with its own prefix unless the script names a pool."""
        index = len(self.servers) + 1
        script.setdefault("pool", default_pool(index))
        script.setdefault("pd_pool", default_pd_pool(index))
        host = self.lab.add_host(f"s{index}")
        server = FakeServer(f"s{index}", host, ServerScript(preference, advertise_delay, **script),
                            timeline=self.timeline)
        self.servers.append(server)
        return server

    def start_dut(self) -> None:
        if self.profile.bench is None:
            self.lab.wait_link_local(self.dut_host, self.dut_port.link)
        self.dut.start()
        self.note_started()

    # observation ----------------------------------------------------------------------------------------------
    def duts(self):
        return [("the DUT", self.dut, {self.dut_port.mac})] if self.dut else []

    def from_dut(self, message: Message) -> bool:
        if self.dut_port.mac is None and message.msg_type in CLIENT_MESSAGES:
            self.learn_mac(self.dut_port, message)  # a device's MAC: its first client message
        return message.src_mac == self.dut_port.mac

    def _since(self, after: Message | None) -> float:
        return after.time if after is not None else (self.dut.started_at or time.time())

    def expect(self, msg_type: int, after: Message | None = None, within: float | None = None,
               where=lambda m: True) -> Message | None:
        """The first message of `msg_type` the DUT sends after `after`, waiting until `within` seconds past it
        (past now without `after`; DUT_START_TIMEOUT without `within`); None if none comes by then, or if the DUT
        ended after it had begun to talk (the verdict then says how it ended). "The first" rests on no earlier one
        being lost: HarnessError if the capture lost frames in the window. HarnessError too if the DUT ended
        before it sent anything: silence from a program that never ran is no verdict."""
        start = after.time if after is not None else time.time()
        deadline = start + (self.start_timeout if within is None else within) + CAPTURE_SLACK
        found = self.timeline.wait_for(lambda m: self.from_dut(m) and m.msg_type == msg_type
                                       and (after is None or m.time > after.time) and where(m),
                                       max(0.0, deadline - time.time()),
                                       give_up=lambda: self.dut.exited() is not None,
                                       what=f"the DUT's {MESSAGE_NAMES[msg_type].title()}")
        if found is None and self.dut.exited() is not None and self.first_words({self.dut_port.mac}) is None:
            raise HarnessError(f"the DUT {self.dut.ending() or 'ended'} before sending anything; "
                               f"see {self.evidence_dir / 'dut.log'}")
        self.require_complete(start, found.time if found else min(deadline, time.time()),
                              f"whether this {MESSAGE_NAMES[msg_type]} was the first")
        return found

    def require_sent(self, msg_type: int, after: Message, within: float, requirement: str, expected: str) -> Message:
        """The DUT's first `msg_type` within `within` seconds of `after`, or a Violation whose actual says what the
        DUT sent instead, with times from `after`."""
        found = self.expect(msg_type, after=after, within=within)
        if found is not None:
            return found
        meanwhile = [m for m in self.timeline.messages(lambda m: self.from_dut(m) and m.time > after.time)
                     if m.time <= after.time + within + CAPTURE_SLACK]
        sent = ", ".join(f"{m.name.title()} at +{m.time - after.time:.3f} s" for m in meanwhile[:6])
        raise Violation(requirement, expected, f"no {MESSAGE_NAMES[msg_type].title()} within {within:.1f} s of the "
                        f"{after.name.title()}; meanwhile the DUT sent {sent or 'nothing'}")

    def transmissions(self, first: Message, params: Params, count: int | None = None, where=lambda m: True) -> Series:
        """`first` and the DUT's retransmissions of it (messages of its type that `where` accepts), each awaited
        until the latest moment the RT formula allows after the one before (plus a second); stops at `count`
        transmissions, or when one does not come. A series that stops short of MRC is watched once more, as long
        again: a retransmission that comes that late is kept, so the verdict names the interval that left its
        window rather than a count."""
        messages = [first]
        latest = first_rt_window(params).high + self.tolerance
        while count is None or len(messages) < count:
            nxt = self.expect(first.msg_type, after=messages[-1], within=latest + 1.0, where=where)
            if nxt is None and params.mrc and len(messages) < params.mrc:
                nxt = self.expect(first.msg_type, after=messages[-1], within=2 * latest + 1.0, where=where)
                if nxt is not None:
                    messages.append(nxt)
                break
            if nxt is None:
                break
            messages.append(nxt)
            rt = messages[-1].time - messages[-2].time
            latest = next_rt_window(params, rt + self.tolerance).high + self.tolerance
        return Series(tuple(messages), params)

    def sent(self, msg_type: int, after: Message | None = None) -> list[Message]:
        """Messages of `msg_type` the DUT has sent so far (after a message), in capture order; HarnessError if the
        capture lost frames meanwhile."""
        self.require_complete(self._since(after), time.time(), f"the DUT's {MESSAGE_NAMES[msg_type]} messages")
        return self.timeline.messages(lambda m: self.from_dut(m) and m.msg_type == msg_type
                                      and (after is None or m.time > after.time))

    def received(self, msg_type: int, after: Message | None = None, until: float | None = None,
                 sender: FakeServer | None = None) -> list[Message]:
        """Messages of `msg_type` delivered to the DUT (by one server, known by its Server ID: behind a relay every
        message reaches the DUT from the relay), after a message and up to a time; HarnessError if the capture
        lost frames meanwhile."""
        self.require_complete(self._since(after), until or time.time(), f"the {MESSAGE_NAMES[msg_type]} messages "
                                                                          "delivered to the DUT")
        return self.timeline.messages(lambda m: m.dst_mac == self.dut_port.mac and m.msg_type == msg_type
                                      and (sender is None or m.server_id == sender.duid)
                                      and (after is None or m.time > after.time)
                                      and (until is None or m.time <= until))

    def discard_reason(self, message: Message, server: FakeServer | None = None) -> str | None:
        """The RFC rule by which `server` (any server, if None) discarded the DUT's `message` or one of its
        retransmissions, when the fault is the DUT's."""
        return next((d.reason for s in self.servers if server in (None, s) for d in s.discarded if d.dut_at_fault
                     and (d.message.src_mac, d.message.msg_type, d.message.xid)
                     == (message.src_mac, message.msg_type, message.xid)), None)

    def answer(self, message: Message, server: FakeServer | None, within: float, judged_by: str | None = None,
               where=lambda m: True) -> Message:
        """The Reply that `server` (any server, if None) sends the DUT for `message`'s exchange within `within`
        seconds. When none comes and a server discarded the message by a rule of RFC 9915 section 16, the DUT is at
        fault: a Violation naming the rule in the case that judges the message (`judged_by` None), HarnessError
        naming the case that does elsewhere. Any other silence means the scenario did not hold."""
        reply = self.reply_to(message, server, within, where)
        if reply is not None:
            return reply
        rule, who = self.discard_reason(message, server), server.name if server else "a fake server"
        if rule and judged_by is None:
            raise Violation(f"{rule}: the server must drop it, so the exchange fails",
                            f"a {message.name} that {who} can answer (RFC 9915 section 16)", f"discarded: {rule}")
        if rule:
            raise HarnessError(f"the DUT's {message.name} was discarded ({rule}); {judged_by} judges it")
        raise HarnessError(f"the scenario did not hold: {who} answered the DUT's {message.name} within {within:.0f} s")

    def reply_to(self, message: Message, server: FakeServer | None = None, within: float = 1.0,
                 where=lambda m: True) -> Message | None:
        """The Reply (from `server`, known by its Server ID) that reaches the DUT for `message`'s transaction,
        waiting up to `within` seconds from now."""
        return self.timeline.wait_for(lambda m: m.dst_mac == self.dut_port.mac and m.msg_type == REPLY
                                      and m.xid == message.xid and (server is None or m.server_id == server.duid)
                                      and where(m), timeout=within)

    # lease lifecycle --------------------------------------------------------------------------------------------
    def lifetimes(self, base: Lifetimes = BASE_LIFETIMES) -> Lifetimes:
        """`base` stretched so T2 is no shorter than the profile's min_t2 (a DUT that raises short T2s says so)."""
        factor = max(1.0, self.profile.timing.min_t2 / base.t2) if base.t2 else 1.0
        return Lifetimes(*(round(value * factor) for value in (base.t1, base.t2, base.preferred, base.valid)))

    def model_servers(self, model: Model, lifetimes: Lifetimes, **script) -> list[FakeServer]:
        """One fake server per server of an RFC 6853 model, with its prefix, pools and preference."""
        return [self.server(spec.preference, pool=spec.pool, pd_pool=spec.pd_pool, lifetimes=lifetimes, **script)
                for spec in model.servers]

    def bind(self, request_wait: float = 12.0) -> Binding:
        """Start the DUT and wait until a Reply grants it leases. A DUT that never gets there leaves the lifecycle
        case without its precondition: HarnessError, the selection cases judge that part."""
        self.start_dut()
        solicit = self.first_solicit()
        request = self.expect(REQUEST, after=solicit, within=request_wait)
        if request is None:
            raise HarnessError(f"the DUT sent no Request within {request_wait:.0f} s of its first Solicit, so it never "
                               "got bound; the selection cases judge that part")
        reply = self.answer(request, None, request_wait, judged_by="C-PREF-255",
                            where=lambda m: any(l.valid > 0 for ia in m.ias for l in ia.leases))
        return Binding(request, reply, self.server_named_by(reply))

    def uses(self, address: str) -> bool:
        """Whether the DUT answers Neighbor Solicitations for `address`, asked from a fake server's host."""
        return self.dut_port.mac in probe.answered_by(self.servers[0].host, address)

    def answers_by(self, address: str, deadline: float) -> bool:
        """Whether the DUT answers Neighbor Solicitations for `address` before capture-clock time `deadline`."""
        return self.usable_at(address, deadline) is not None

    def usable_at(self, address: str, deadline: float) -> float | None:
        """Capture-clock time of the first Neighbor Solicitation for `address` the DUT answered, asked every 0.2 s
        until `deadline` (a tentative address, under Duplicate Address Detection, is silent): the address became
        usable within the 0.2 s before it. None if the DUT never answered."""
        while True:
            asked = time.time()
            if self.uses(address):
                return asked
            if asked > deadline:
                return None
            time.sleep(0.2)

    def require_in_use(self, address: str, since: float, within: float) -> None:
        """The DUT answers Neighbor Solicitations for `address` within `within` seconds of `since`, or the case's
        scenario (a client using its lease) never began: HarnessError."""
        if not self.answers_by(address, since + within):
            raise HarnessError(f"the DUT did not use {address} within {within:.0f} s of its Reply (it answered no "
                               "Neighbor Solicitation for it), so it holds no lease in use to judge")

    def first_sent_after(self, moment: float, until: float) -> Message | None:
        """The first DHCPv6 message the DUT sends after capture-clock time `moment`, waiting until `until`; None if
        none comes. HarnessError if the capture lost frames in that window."""
        found = self.timeline.wait_for(lambda m: self.from_dut(m) and m.dhcp is not None and m.time > moment,
                                       max(0.0, until + CAPTURE_SLACK - time.time()),
                                       give_up=lambda: self.dut.exited() is not None)
        self.require_complete(moment, found.time if found else until, "which message the DUT sent first")
        return found

    def flap_link(self, down_for: float = 1.0) -> tuple[float, float]:
        """Pull the DUT's cable and plug it back after `down_for` seconds: the bridge port facing it goes down, so
        its interface loses carrier, then up. (down, up) capture-clock times, both noted in the timeline."""
        down = time.time()
        self.lab.set_port_up(self.dut_host, self.dut_port.link, False)
        self.timeline.note(down, "lab", "LINK DOWN: the DUT's cable pulled (its port loses carrier)")
        time.sleep(down_for)
        up = time.time()
        self.lab.set_port_up(self.dut_host, self.dut_port.link, True)
        self.timeline.note(up, "lab", "LINK UP: the DUT's cable plugged back")
        return down, up

    def enable_dad(self) -> None:
        """Duplicate Address Detection on the DUT's interface for the addresses it adds from now on (the lab
        switches DAD off everywhere else, for speed). A device does its own, as it always does."""
        if self.profile.bench is not None:
            return
        netns.write_sysctl(self.dut_host.namespace, f"net/ipv6/conf/{self.dut_port.iface}/accept_dad", "1")

    def dad_probes(self, address: str) -> list[float]:
        """Capture times of the DUT's Duplicate Address Detection probes for `address` (RFC 4862 section 5.4.2:
        a Neighbor Solicitation from the unspecified address)."""
        return [when for when, p in self._dut_frames(self.dut.started_at)
                if ICMPv6ND_NS in p and p[IPv6].src == "::" and p[ICMPv6ND_NS].tgt == address]

    def sourced_from(self, address: str, after: float) -> list[float]:
        """Capture times of frames the DUT sent with `address` as their IPv6 source."""
        return [when for when, p in self._dut_frames(after) if IPv6 in p and p[IPv6].src == address]

    def _dut_frames(self, after: float):
        """(time, scapy packet) of the frames the DUT sent after `after`; HarnessError if the capture lost any, or
        stopped keeping frames at its size limit."""
        self.require_complete(after, time.time(), "the DUT's frames")
        cut = min((c.cut_at for c in self.captures if c.cut_at is not None), default=None)
        if cut is not None:
            raise HarnessError(f"the capture stopped keeping frames at +{cut - (self.timeline.origin or after):.3f} s "
                               "(dut.capture_limit), so the DUT's frames cannot be judged")
        if self.dut_port.mac is None:
            return []  # a device that has not spoken yet sent nothing
        mac = bytes.fromhex(self.dut_port.mac.replace(":", ""))
        return [(f.time, Ether(f.data)) for c in self.captures for f in c.frames
                if f.time > after and f.data[6:12] == mac]

    def first_solicit(self) -> Message:
        """The DUT's first Solicit; its absence is no verdict on server selection, so it is a HarnessError."""
        solicit = self.expect(SOLICIT)
        if solicit is None:
            raise HarnessError(f"the DUT sent no Solicit within {self.start_timeout:.0f} s of its start; "
                               f"is the profile's command right? see {self.evidence_dir / 'dut.log'}")
        return solicit


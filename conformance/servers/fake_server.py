"""A scripted DHCPv6 server on a lab link: a raw packet socket in its own namespace, RFC 9915 answers from
ServerLogic, and the script's preference, Advertise delay and outages applied on top. Behind a relay it also answers
Relay-forwards sent to its global address or to All_DHCP_Servers.

Nothing a DUT sends can stop it (lab.component): a frame that does not decode is never answered, a message a rule of
RFC 9915 section 16 discards is noted in the timeline with the rule (`discarded` keeps it for the cases), and an
answer that cannot be sent (larger than the link's MTU) is noted, not raised.
"""
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass

from ..lab import netns
from ..lab.component import Component
from ..lab.packet_socket import PacketSocket
from ..lab.timeline import Timeline
from ..lab.topology import Host
from ..wire import constants as c
from ..wire.codec import innermost
from ..wire.duid import describe, duid_ll, duid_llt
from ..wire.frame import Message, build_frame, decode_frame
from .logic import ANOTHER_SERVERS, ServerLogic
from .script import ServerScript

Y2K = 946684800  # the Unix time of DUID-LLT's epoch, midnight UTC 1 January 2000
COPY_GAP = 0.005  # seconds between the copies of an Advertise a script sends more than once


@dataclass(frozen=True)
class Discard:
    """A client message this server dropped, and the RFC rule it applied."""

    message: Message
    reason: str

    @property
    def dut_at_fault(self) -> bool:
        """False for a message addressed to another server: that is how the server not chosen ignores it."""
        return not self.reason.endswith(ANOTHER_SERVERS)


class FakeServer(Component):
    def __init__(self, name: str, host: Host, script: ServerScript, link: str = "lan",
                 timeline: Timeline | None = None):
        super().__init__(f"fake server {name}")
        self.name = name
        self.host = host
        self.port = host.port(link)
        self.script = script
        self.duid = duid_ll(self.port.mac)
        self.logic = ServerLogic(self.duid, script)
        self.timeline = timeline or Timeline()
        self.discarded: list[Discard] = []
        self._silences: list[tuple[float, float | None]] = []  # outages a case orders, capture-clock times
        self._timers: list[threading.Timer] = []
        self.address: str | None = None  # global address, once it serves relays
        self._l2 = PacketSocket(host.namespace, self.port.iface)
        self._groups: list[bytes] = []  # multicast groups the UDP socket joined (again when it reopens)
        self._refusing = False  # set by refuse(): the loop closes the UDP socket, so the host answers ICMPv6
        self._refusal_applied = threading.Event()
        self._udp = self._open_udp()
        self._start(self._loop)

    def _open_udp(self) -> socket.socket:
        """Bound so unicast to 547 meets a socket rather than an ICMPv6 port-unreachable; read through _l2."""
        with netns.inside(self.host.namespace):
            udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            udp.bind(("::", c.SERVER_PORT))
        udp.setblocking(False)
        for group in self._groups:
            udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)
        return udp

    @property
    def described(self) -> str:
        """How verdicts name it: "s2 (preference 200)", "s1 (no Preference option)"."""
        pref = self.script.preference
        return f"{self.name} ({'no Preference option' if pref is None else f'preference {pref}'})"

    def silence(self, start: float | None = None, end: float | None = None) -> None:
        """Go silent from `start` (now) until `end` (for ever), capture-clock times: an outage a case orders after
        an event, such as the moment the DUT got bound."""
        self._silences.append((time.time() if start is None else start, end))

    def restart(self) -> None:
        """Come back as a server restarted with no lease state and a new DUID (a DUID-LLT, as a reinstalled server
        generates one): its old DUID is gone; noted in the timeline."""
        self.duid = duid_llt(self.port.mac, int(time.time()) - Y2K)
        self.logic = ServerLogic(self.duid, self.script)
        self.timeline.note(time.time(), self.name, f"RESTARTED with no lease state and a new DUID "
                                                   f"{describe(self.duid)}")

    def forget(self) -> None:
        """Lose every binding from now on, as a server restarted without its lease database does; noted in the
        timeline."""
        self.logic.forget()
        self.timeline.note(time.time(), self.name, "FORGOT its bindings (as after a restart without lease state)")

    def serve_relays(self, address: str) -> None:
        """Answer Relay-forwards sent to `address` (a global address the lab put on this server's port) or to
        All_DHCP_Servers, which it joins, with Relay-replies from `address` (RFC 9915 18.3.10)."""
        with netns.inside(self.host.namespace):
            index = socket.if_nametoindex(self.port.iface)
        group = socket.inet_pton(socket.AF_INET6, c.ALL_DHCP_SERVERS) + struct.pack("@I", index)
        self._udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)
        self._groups.append(group)
        self.address = address

    def refuse(self, refusing: bool = True) -> None:
        """Stop (or go back to) serving as a host whose DHCP server process is gone: silent, and with nothing bound
        to port 547 its kernel answers each message with ICMPv6 Destination Unreachable (port unreachable). Returns
        once the server's thread has closed (or reopened) the socket."""
        self._refusal_applied.clear()
        self._refusing = refusing
        self.timeline.note(time.time(), self.name, "REFUSING: nothing listens on port 547 (ICMPv6 port "
                                                   "unreachable)" if refusing else "LISTENING on port 547 again")
        if not self._refusal_applied.wait(2.0):
            raise RuntimeError(f"{self.name}: its thread did not {'close' if refusing else 'reopen'} its socket")

    def _apply_refusal(self) -> None:
        if self._refusing and self._udp is not None:
            self._udp.close()
            self._udp = None
        elif not self._refusing and self._udp is None:
            self._udp = self._open_udp()
        self._refusal_applied.set()

    def silent(self, now: float) -> bool:
        return self._refusing or any(start <= now and (end is None or now < end) for start, end in self._silences)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._apply_refusal()
            ready, _, _ = select.select([self._l2] + ([self._udp] if self._udp else []), [], [], 0.05)
            if self._udp is not None and self._udp in ready:
                self._drain_udp()
            while self._l2 in ready and (got := self._l2.recv()) is not None:
                frame, when, outgoing = got
                if not outgoing:
                    self._guard("a frame", self._handle, frame, when)

    def _drain_udp(self) -> None:
        try:
            while self._udp.recv(65535):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _for_me(self, message) -> bool:
        return (message.dport == c.SERVER_PORT and message.dhcp is not None
                and message.dst in (c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS, self.port.link_local)
                and message.src_mac != self.port.mac)

    def _relayed_to_me(self, message) -> bool:
        return (self.address is not None and message.msg_type == c.RELAY_FORW and message.dport == c.SERVER_PORT
                and message.dst in (self.address, c.ALL_DHCP_SERVERS, c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS)
                and message.src_mac != self.port.mac)

    def _handle(self, frame: bytes, when: float) -> None:
        message = decode_frame(frame, when)
        if message is None or self.silent(when):
            return
        if self._relayed_to_me(message):
            self._answer_relay(message)
            return
        if not self._for_me(message):
            return
        reason = self.logic.discard_reason(message.dhcp)
        if reason is not None:
            self.discarded.append(Discard(message, reason))
            self.timeline.note(when, self.name, f"DISCARDED {message.name} xid=0x{message.xid:06x}: {reason}")
            return
        payload = self.logic.answer(message.dhcp)
        if payload is None:
            return
        reply = build_frame(self.port.mac, message.src_mac, self.port.link_local, message.src,
                            c.SERVER_PORT, message.sport, payload)
        solicit = message.msg_type == c.SOLICIT
        for copy in range(self.script.advertise_copies if solicit else 1):
            self._dispatch(reply, (self.script.advertise_delay if solicit else 0.0) + copy * COPY_GAP, when)

    def _answer_relay(self, message) -> None:
        """The Relay-reply goes to the relay's source address, port 547 (RFC 9915 7.2, 18.3.10)."""
        payload = self.logic.answer_relayed(message.dhcp)
        if payload is None:
            return
        reply = build_frame(self.port.mac, message.src_mac, self.address, message.src, c.SERVER_PORT,
                            c.SERVER_PORT, payload)
        solicit = innermost(message.dhcp.raw)[:1] == bytes([c.SOLICIT])
        for copy in range(self.script.advertise_copies if solicit else 1):
            self._dispatch(reply, (self.script.advertise_delay if solicit else 0.0) + copy * COPY_GAP, message.time)

    def _dispatch(self, reply: bytes, delay: float, received: float) -> None:
        """Send now, or `delay` seconds after the kernel received the message: however far behind a flood left
        this thread, a scripted delay stays what the script says."""
        delay -= time.time() - received
        if delay > 0:
            timer = threading.Timer(delay, self._guard, ("a delayed answer", self._send, reply))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        else:
            self._send(reply)

    def _send(self, frame: bytes) -> None:
        if self._stop.is_set() or self.silent(time.time()):
            return
        try:
            self._l2.send(frame)
        except OSError as exc:  # too large for the link, most often: the DUT asked for more than fits
            self.timeline.note(time.time(), self.name, f"NOT SENT: an answer of {len(frame)} bytes ({exc.strerror})")

    def stop(self) -> None:
        self._stop.set()
        for timer in self._timers:
            timer.cancel()
        self._join()
        self._l2.close()
        if self._udp is not None:
            self._udp.close()

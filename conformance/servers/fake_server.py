"""A scripted DHCPv6 server on a lab link: scapy layer-2 socket in its own namespace, RFC 8415 answers from
ServerLogic, and the script's preference, Advertise delay and outages applied on top. Behind a relay it also answers
Relay-forwards sent to its global address or to All_DHCP_Servers."""
import select
import socket
import struct
import threading
import time

from scapy.arch.linux import L2Socket

from ..lab import netns
from ..lab.topology import Host
from ..wire import constants as c
from ..wire.codec import innermost
from ..wire.duid import duid_ll
from ..wire.frame import build_frame, decode_frame
from .logic import ServerLogic
from .script import ServerScript


class FakeServer:
    def __init__(self, name: str, host: Host, script: ServerScript, link: str = "lan"):
        self.name = name
        self.host = host
        self.port = host.port(link)
        self.script = script
        self.duid = duid_ll(self.port.mac)
        self.logic = ServerLogic(self.duid, script)
        self._silences: list[tuple[float, float | None]] = []  # outages a case orders, capture-clock times
        self._timers: list[threading.Timer] = []
        self._stop = threading.Event()
        self.address: str | None = None  # global address, once it serves relays
        with netns.inside(host.namespace):
            self._l2 = L2Socket(iface=self.port.iface, promisc=False)
            # Bound so unicast to 547 meets a socket rather than an ICMPv6 port-unreachable; read through _l2.
            self._udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self._udp.bind(("::", c.SERVER_PORT))
        self._thread = threading.Thread(target=self._run, name=f"server-{name}", daemon=True)
        self._thread.start()

    def silence(self, start: float | None = None, end: float | None = None) -> None:
        """Go silent from `start` (now) until `end` (for ever), capture-clock times: an outage a case orders after
        an event, such as the moment the DUT got bound."""
        self._silences.append((time.time() if start is None else start, end))

    def serve_relays(self, address: str) -> None:
        """Answer Relay-forwards sent to `address` (a global address the lab put on this server's port) or to
        All_DHCP_Servers, which it joins, with Relay-replies from `address` (RFC 8415 18.3.10)."""
        with netns.inside(self.host.namespace):
            index = socket.if_nametoindex(self.port.iface)
        group = socket.inet_pton(socket.AF_INET6, c.ALL_DHCP_SERVERS) + struct.pack("@I", index)
        self._udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group)
        self.address = address

    def silent(self, now: float) -> bool:
        return any(start <= now and (end is None or now < end) for start, end in self._silences)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._l2, self._udp], [], [], 0.05)
            if self._udp in ready:
                self._udp.recv(65535)
            if self._l2 in ready:
                packet = self._l2.recv()
                if packet is not None:
                    self._handle(bytes(packet))

    def _for_me(self, message) -> bool:
        return (message.dport == c.SERVER_PORT and message.dhcp is not None
                and message.dst in (c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS, self.port.link_local)
                and message.src_mac != self.port.mac)

    def _relayed_to_me(self, message) -> bool:
        return (self.address is not None and message.msg_type == c.RELAY_FORW and message.dport == c.SERVER_PORT
                and message.dst in (self.address, c.ALL_DHCP_SERVERS, c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS)
                and message.src_mac != self.port.mac)

    def _handle(self, frame: bytes) -> None:
        message = decode_frame(frame, time.time())
        if message is not None and self._relayed_to_me(message):
            if not self.silent(time.time()):
                self._answer_relay(message)
            return
        if message is None or not self._for_me(message) or self.silent(time.time()):
            return
        payload = self.logic.answer(message.dhcp)
        if payload is None:
            return
        reply = build_frame(self.port.mac, message.src_mac, self.port.link_local, message.src,
                            c.SERVER_PORT, message.sport, payload)
        self._dispatch(reply, self.script.advertise_delay if message.msg_type == c.SOLICIT else 0.0)

    def _answer_relay(self, message) -> None:
        """The Relay-reply goes to the relay's source address, port 547 (RFC 8415 7.2, 18.3.10)."""
        payload = self.logic.answer_relayed(message.dhcp)
        if payload is None:
            return
        reply = build_frame(self.port.mac, message.src_mac, self.address, message.src, c.SERVER_PORT,
                            c.SERVER_PORT, payload)
        solicit = innermost(message.dhcp.raw)[:1] == bytes([c.SOLICIT])
        self._dispatch(reply, self.script.advertise_delay if solicit else 0.0)

    def _dispatch(self, reply: bytes, delay: float) -> None:
        if delay > 0:
            timer = threading.Timer(delay, self._send, (reply,))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        else:
            self._send(reply)

    def _send(self, frame: bytes) -> None:
        if not self._stop.is_set() and not self.silent(time.time()):
            self._l2.send(frame)

    def stop(self) -> None:
        self._stop.set()
        for timer in self._timers:
            timer.cancel()
        self._thread.join(timeout=2)
        self._l2.close()
        self._udp.close()

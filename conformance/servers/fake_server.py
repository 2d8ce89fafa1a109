"""A scripted DHCPv6 server on a lab link: scapy layer-2 socket in its own namespace, RFC 8415 answers from
ServerLogic, and the script's preference, Advertise delay and outages applied on top."""
import select
import socket
import threading
import time

from scapy.arch.linux import L2Socket

from ..lab import netns
from ..lab.topology import Host
from ..wire import constants as c
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
        self.started_at: float | None = None  # the DUT's start: scripted outages count from here
        self._silences: list[tuple[float, float | None]] = []  # outages a case orders as it goes (wall clock)
        self._timers: list[threading.Timer] = []
        self._stop = threading.Event()
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

    def silent(self, now: float) -> bool:
        if any(start <= now and (end is None or now < end) for start, end in self._silences):
            return True
        if self.started_at is None:
            return False
        return any(outage.covers(now - self.started_at) for outage in self.script.outages)

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

    def _handle(self, frame: bytes) -> None:
        message = decode_frame(frame, time.time())
        if message is None or not self._for_me(message) or self.silent(time.time()):
            return
        payload = self.logic.answer(message.dhcp)
        if payload is None:
            return
        reply = build_frame(self.port.mac, message.src_mac, self.port.link_local, message.src,
                            c.SERVER_PORT, message.sport, payload)
        delay = self.script.advertise_delay if message.msg_type == c.SOLICIT else 0.0
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

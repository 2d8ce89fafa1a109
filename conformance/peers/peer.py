"""What the fake client and the fake downstream relay share: a raw packet socket to send any bytes from their host on
one link, and a UDP socket whose kernel delivers what reaches their port (what a real client or relay would get).

A peer survives whatever the relay DUT sends back (lab.component): it only keeps the payloads its socket receives.
"""
import select
import socket

from ..lab import netns
from ..lab.component import Component
from ..lab.packet_socket import PacketSocket
from ..lab.topology import Host
from ..wire.frame import build_frame


class Peer(Component):
    def __init__(self, name: str, host: Host, link: str, udp_port: int):
        super().__init__(f"fake peer {name}")
        self.name, self.host = name, host
        self.port = host.port(link)
        self.received: list[bytes] = []  # UDP payloads the peer's kernel delivered to its port
        self._l2 = PacketSocket(host.namespace, self.port.iface, receive=False)
        with netns.inside(host.namespace):
            self._udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self._udp.bind(("::", udp_port))
        self._udp.setblocking(False)
        self._start(self._loop)

    def _loop(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._udp], [], [], 0.05)
            if ready:
                self._guard("a datagram", self._take)

    def _take(self) -> None:
        try:
            while True:
                self.received.append(self._udp.recv(65535))
        except (BlockingIOError, InterruptedError):
            pass

    def send_frame(self, dst_mac: str, src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
        self._l2.send(build_frame(self.port.mac, dst_mac, src, dst, sport, dport, payload))
        return payload

    def stop(self) -> None:
        self._join()
        self._l2.close()
        self._udp.close()

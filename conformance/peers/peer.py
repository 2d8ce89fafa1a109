"""A fake host on one lab link that speaks DHCPv6 at layer 2, so it can send anything (any type, any hop-count,
malformed bytes) from the addresses it chooses, and keeps what its kernel delivers to its UDP port: proof that
what came back was addressed and checksummed well enough to reach a real program."""
import select
import socket
import threading

from scapy.arch.linux import L2Socket

from ..lab import netns
from ..lab.topology import Host
from ..wire.frame import build_frame


class Peer:
    def __init__(self, name: str, host: Host, link: str, udp_port: int):
        self.name = name
        self.port = host.port(link)
        self.received: list[bytes] = []  # UDP payloads the peer's kernel delivered to its port
        self._stop = threading.Event()
        with netns.inside(host.namespace):
            self._l2 = L2Socket(iface=self.port.iface, promisc=False)
            self._udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            self._udp.bind(("::", udp_port))
        self._thread = threading.Thread(target=self._run, name=f"peer-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._udp], [], [], 0.05)
            if ready:
                self.received.append(self._udp.recv(65535))

    def send_frame(self, dst_mac: str, src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
        self._l2.send(build_frame(self.port.mac, dst_mac, src, dst, sport, dport, payload))
        return payload

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._l2.close()
        self._udp.close()

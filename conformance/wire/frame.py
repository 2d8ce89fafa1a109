"""DHCPv6 inside Ethernet/IPv6/UDP frames: decode a captured frame, build one to send at layer 2."""
from dataclasses import dataclass, field

from scapy.layers.inet import UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

from . import constants as c
from .codec import Dhcp6, MalformedMessage, decode


@dataclass(frozen=True)
class Message:
    """One DHCPv6 message seen on the lab link, with the kernel timestamp of its capture."""

    time: float
    src_mac: str
    dst_mac: str
    src: str
    dst: str
    sport: int
    dport: int
    dhcp: Dhcp6 | None
    error: str | None = None  # why the UDP payload did not decode
    link: str = ""
    payload: bytes = field(default=b"", repr=False)  # the UDP payload as sent, decoded or not
    hop_limit: int | None = None  # of the IPv6 header

    @property
    def msg_type(self) -> int | None:
        return self.dhcp.msg_type if self.dhcp else None

    @property
    def name(self) -> str:
        return self.dhcp.name if self.dhcp else "MALFORMED"

    def __getattr__(self, item):
        # Message fields (xid, client_id, server_id, preference, elapsed, ias, ...) read through to the payload.
        dhcp = self.__dict__.get("dhcp")
        if dhcp is None:
            raise AttributeError(item)
        return getattr(dhcp, item)


def decode_frame(frame: bytes, time: float, link: str = "") -> Message | None:
    """A Message for a frame carrying UDP to or from ports 546/547 over IPv6, else None."""
    ether = Ether(frame)
    if IPv6 not in ether or UDP not in ether:
        return None
    udp = ether[UDP]
    if not {udp.sport, udp.dport} & {c.CLIENT_PORT, c.SERVER_PORT}:
        return None
    payload = bytes(udp.payload)
    try:
        dhcp, error = decode(payload), None
    except MalformedMessage as exc:
        dhcp, error = None, str(exc)
    ip6 = ether[IPv6]
    return Message(time, ether.src, ether.dst, ip6.src, ip6.dst, udp.sport, udp.dport, dhcp, error, link, payload,
                   ip6.hlim)


def multicast_mac(address: str) -> str:
    """Ethernet address of an IPv6 multicast group (RFC 2464 section 7)."""
    import ipaddress
    low = ipaddress.IPv6Address(address).packed[-4:]
    return "33:33:" + ":".join(f"{b:02x}" for b in low)


def build_frame(src_mac: str, dst_mac: str, src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    return bytes(Ether(src=src_mac, dst=dst_mac) / IPv6(src=src, dst=dst, hlim=255 if dst.startswith("ff02") else 64)
                 / UDP(sport=sport, dport=dport) / payload)

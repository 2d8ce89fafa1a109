"""DHCPv6 inside Ethernet/IPv6/UDP frames: decode a captured frame, build one to send at layer 2."""
import ipaddress
import struct
from dataclasses import dataclass, field

from . import constants as c
from .codec import Dhcp6, MalformedMessage, address_text, decode


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
    frame: int = 0  # its number in its link's pcap, from 1 as Wireshark counts (0: not kept in the pcap)

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


@dataclass(frozen=True)
class Neighbor:
    """A Neighbor Solicitation or Advertisement (RFC 4861 section 4.3, 4.4) seen on a lab link: Duplicate Address
    Detection probes, the suite's own probes and their answers belong in a case's timeline beside the DHCPv6."""

    kind: str  # "NS" or "NA"
    src_mac: str
    src: str
    dst: str
    target: str


_ETH_IPV6, _ETH_VLAN = 0x86DD, 0x8100
_EXTENSION_HEADERS = (0, 43, 60)  # hop-by-hop, routing, destination options: skipped to reach UDP
_UDP, _ICMPV6 = 17, 58
_ND_KINDS = {135: "NS", 136: "NA"}


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _upper_layer(frame: bytes, protocol: int):
    """(IPv6 header offset, `protocol` header offset, end of the IPv6 payload) of an Ethernet frame carrying IPv6
    with that upper-layer protocol, else None. Parsed from the bytes, not through scapy: fast enough for floods,
    and never an exception."""
    offset = 14
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype == _ETH_VLAN:
        ethertype, offset = int.from_bytes(frame[16:18], "big"), 18
    if ethertype != _ETH_IPV6 or len(frame) < offset + 40 or frame[offset] >> 4 != 6:
        return None
    ip6 = offset
    end = min(len(frame), ip6 + 40 + int.from_bytes(frame[ip6 + 4:ip6 + 6], "big"))
    next_header, offset = frame[ip6 + 6], ip6 + 40
    while next_header in _EXTENSION_HEADERS:
        if offset + 2 > end:
            return None
        next_header, offset = frame[offset], offset + (frame[offset + 1] + 1) * 8
    if next_header != protocol or offset + 8 > end:  # a fragment is left alone: DHCPv6 fits one frame in the lab
        return None
    return ip6, offset, end


def decode_neighbor(frame: bytes) -> Neighbor | None:
    """The Neighbor Solicitation or Advertisement an Ethernet frame carries, else None; never an exception."""
    found = _upper_layer(frame, _ICMPV6)
    if found is None:
        return None
    ip6, icmp, end = found
    kind = _ND_KINDS.get(frame[icmp])
    if kind is None or icmp + 24 > end:
        return None
    return Neighbor(kind, _mac(frame[6:12]), address_text(frame[ip6 + 8:ip6 + 24]),
                    address_text(frame[ip6 + 24:ip6 + 40]), address_text(frame[icmp + 8:icmp + 24]))


def decode_frame(frame: bytes, time: float, link: str = "", number: int = 0) -> Message | None:
    """A Message for a frame carrying UDP to or from ports 546/547 over IPv6, else None. A payload that is not a
    well-formed DHCPv6 message (or a UDP length that disagrees with the frame) gives a Message with `dhcp` None and
    the reason in `error`: a MALFORMED line, never an exception."""
    found = _upper_layer(frame, _UDP)
    if found is None:
        return None
    ip6, udp, end = found
    sport, dport, length = struct.unpack_from("!HHH", frame, udp)
    if not {sport, dport} & {c.CLIENT_PORT, c.SERVER_PORT}:
        return None
    payload, error = frame[udp + 8:min(end, udp + max(length, 8))], None
    if length < 8 or udp + length > end:
        error = f"UDP length {length} disagrees with the {end - udp} bytes after the UDP header's start"
    dhcp = None
    if error is None:
        try:
            dhcp = decode(payload)
        except MalformedMessage as exc:
            error = str(exc)
    return Message(time, _mac(frame[6:12]), _mac(frame[0:6]), address_text(frame[ip6 + 8:ip6 + 24]),
                   address_text(frame[ip6 + 24:ip6 + 40]), sport, dport, dhcp, error, link, payload,
                   frame[ip6 + 7], number)


def multicast_mac(address: str) -> str:
    """Ethernet address of an IPv6 multicast group (RFC 2464 section 7)."""
    low = ipaddress.IPv6Address(address).packed[-4:]
    return "33:33:" + ":".join(f"{b:02x}" for b in low)


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def build_frame(src_mac: str, dst_mac: str, src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """Ethernet/IPv6/UDP around `payload`, Hop Limit 255 to link-scoped multicast and 64 otherwise, with the UDP
    checksum RFC 8200 section 8.1 makes mandatory. Built from bytes (no scapy): floods and answers cost microseconds."""
    source, destination = ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed
    length = 8 + len(payload)
    pseudo = source + destination + struct.pack("!IxxxB", length, 17)
    udp = struct.pack("!HHHH", sport, dport, length, 0) + payload
    udp = udp[:6] + struct.pack("!H", _checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    hop_limit = 255 if dst.startswith("ff02") else 64
    ip6 = struct.pack("!IHBB", 6 << 28, length, 17, hop_limit) + source + destination
    return bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + b"\x86\xdd" + ip6 + udp

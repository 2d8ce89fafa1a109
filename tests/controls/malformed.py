"""Malformed DHCPv6 traffic a misbehaving client sends: the kinds the suite must survive without a changed verdict.

Every payload here is one the suite's codec refuses (MALFORMED), a relay message (which no client case matches), or
not DHCPv6 at all; `frames()` also breaks the UDP and IPv6 length fields. Used by the control client's prefaces
(one malformed Solicit, a flood), by the tests and by benchmarks/fuzz.py.
"""
import random
import struct

from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.frame import build_frame, multicast_mac

NESTING = 35  # relay layers around a Solicit: within a 1500-byte frame, beyond any HOP_COUNT_LIMIT


def short_ia_na_solicit(duid: bytes, xid: int) -> bytes:
    """A Solicit whose IA_NA is 5 bytes long (its head alone is 12): the message that once killed the servers."""
    return codec.encode(c.SOLICIT, xid, [codec.client_id(duid), codec.elapsed_time(0),
                                         codec.option(c.OPT_IA_NA, b"\x00\x00\x00\x01\x00")])


def _solicit(duid: bytes, xid: int, *extra: bytes) -> bytes:
    return codec.encode(c.SOLICIT, xid, [codec.client_id(duid), codec.elapsed_time(0), *extra])


def payloads(rng: random.Random, duid: bytes) -> list[bytes]:
    """One payload of each kind, with random transaction IDs and sizes."""
    xid = rng.getrandbits(24)
    body = _solicit(duid, xid)
    nested = _solicit(duid, xid, codec.ia("na", 1, 0, 0, []))
    for depth in range(NESTING):
        nested = codec.encode_relay(c.RELAY_FORW, depth, "::", "fe80::1", [codec.relay_msg(nested)])
    many_ias = [codec.ia("na", i, 0, 0, []) for i in range(80)]
    return [
        short_ia_na_solicit(duid, xid),
        body + b"\x00\x01\x00",                                                  # truncated option header
        body + struct.pack("!HH", c.OPT_IA_NA, rng.randrange(20, 400)) + b"abc",  # claims more than present
        _solicit(duid, xid, codec.option(c.OPT_IA_NA, bytes(12) + codec.option(c.OPT_IAADDR, bytes(10)))),
        codec.encode(c.SOLICIT, xid, [codec.client_id(duid), codec.option(c.OPT_ELAPSED_TIME, b"\x00\x00\x00")]),
        _solicit(duid, xid, codec.option(c.OPT_PREFERENCE, b"\xff\xff")),
        codec.encode(c.SOLICIT, xid, [codec.option(c.OPT_CLIENTID, bytes(rng.choice((1, 2, 200))))]),
        codec.encode(c.REQUEST, xid, [codec.client_id(duid), codec.option(c.OPT_SERVERID, b"")]),
        codec.encode(c.RENEW, xid, [codec.client_id(duid), codec.option(c.OPT_STATUS_CODE, b"\x00")]),
        _solicit(duid, xid, *many_ias) + b"\x00\x19\x00\x30",                    # oversize, then truncated
        bytes([c.SOLICIT, 0, 0][:rng.randrange(0, 3)]),                          # shorter than 4 bytes
        bytes([c.RELAY_FORW, 1]) + bytes(rng.randrange(0, 32)),                  # relay head cut short
        codec.encode_relay(c.RELAY_FORW, 0, "::", "fe80::1", []),                # no Relay Message option
        nested,                                                                  # 35 relay layers, well formed
        bytes([0x80 | rng.randrange(0, 0x7f)]) + rng.randbytes(rng.randrange(3, 60)),  # not DHCPv6
    ]


def frames(rng: random.Random, mac: str, source: str, count: int, duid: bytes) -> list[bytes]:
    """`count` frames from the client's MAC and link-local address to All_DHCP_Relay_Agents_and_Servers, port 547,
    cycling through the payload kinds; one in eight has its UDP length or IPv6 payload length broken."""
    group = c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS
    out = []
    while len(out) < count:
        for payload in payloads(rng, duid):
            frame = bytearray(build_frame(mac, multicast_mac(group), source, group, c.CLIENT_PORT, c.SERVER_PORT,
                                          payload))
            damage = rng.randrange(16)
            if damage == 0:    # UDP length larger than the datagram
                frame[58:60] = struct.pack("!H", len(payload) + 8 + rng.randrange(1, 100))
            elif damage == 1:  # UDP length below the header's own size
                frame[58:60] = struct.pack("!H", rng.randrange(0, 8))
            elif damage == 2:  # IPv6 payload cut short
                del frame[54 + rng.randrange(0, 8 + len(payload)):]
            out.append(bytes(frame))
    return out[:count]

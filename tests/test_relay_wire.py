"""Relay messages without a network: unwrapping nested relay layers, the fake server's Relay-replies (RFC 8415
18.3.10, 19.3, 21.18), matching what a relay passed on to what a peer sent, and the timeline's rendering."""
from conformance.lab.timeline import format_message
from conformance.relaybed import same_message
from conformance.servers.logic import ServerLogic
from conformance.servers.pool import AddressPool
from conformance.servers.script import ServerScript
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.duid import duid_ll
from conformance.wire.frame import build_frame, decode_frame

CLIENT = duid_ll("02:00:00:00:00:99")
SERVER = duid_ll("02:00:00:00:00:01")
SOLICIT = codec.encode(c.SOLICIT, 0x123456, [codec.client_id(CLIENT), codec.elapsed_time(0),
                                             codec.ia("na", 1, 0, 0, [])])


def forward(inner: bytes, hop_count: int, link: str, peer: str, interface_id: bytes) -> bytes:
    return codec.encode_relay(c.RELAY_FORW, hop_count, link, peer,
                              [codec.interface_id(interface_id), codec.relay_msg(inner)])


def logic():
    return ServerLogic(SERVER, ServerScript(pool=AddressPool("2001:db8:1::/64", "2001:db8:1::10", "2001:db8:1::ff")))


def test_innermost_unwraps_every_layer_and_stops_at_a_broken_one():
    near = forward(SOLICIT, 0, "2001:db8:d::1", "fe80::c", b"near")
    assert codec.innermost(forward(near, 1, "::", "2001:db8:a::2", b"far")) == SOLICIT
    broken = codec.encode_relay(c.RELAY_FORW, 0, "::", "fe80::1", []) + b"\x00\x09\x01\x00abc"
    assert codec.innermost(forward(broken, 1, "::", "fe80::2", b"x")) == broken
    assert codec.innermost(b"\x01") == b"\x01"


def test_relay_reply_mirrors_each_layer_and_echoes_interface_ids():
    near = forward(SOLICIT, 0, "2001:db8:d::1", "fe80::c", b"near")
    reply = codec.decode(logic().answer_relayed(codec.decode(forward(near, 1, "::", "2001:db8:a::2", b"far"))))
    assert (reply.msg_type, reply.hop_count, reply.link_address, reply.peer_address) == \
           (c.RELAY_REPL, 1, "::", "2001:db8:a::2")
    assert reply.option(c.OPT_INTERFACE_ID) == b"far"
    inner = reply.relay_message
    assert (inner.msg_type, inner.hop_count, inner.link_address, inner.peer_address) == \
           (c.RELAY_REPL, 0, "2001:db8:d::1", "fe80::c")
    assert inner.option(c.OPT_INTERFACE_ID) == b"near"
    advertise = inner.relay_message
    assert (advertise.msg_type, advertise.xid, advertise.server_id) == (c.ADVERTISE, 0x123456, SERVER)


def test_no_relay_reply_for_what_gets_no_answer_or_does_not_decode():
    other = codec.encode(c.REQUEST, 1, [codec.client_id(CLIENT), codec.server_id(duid_ll("02:00:00:00:00:02"))])
    assert logic().answer_relayed(codec.decode(forward(other, 0, "::", "fe80::c", b"x"))) is None
    assert logic().answer_relayed(codec.decode(forward(b"\x01\x00", 0, "::", "fe80::c", b"x"))) is None
    short_ia = codec.encode(c.SOLICIT, 2, [codec.client_id(CLIENT), codec.option(c.OPT_IA_NA, b"\x00")])
    assert logic().answer_relayed(codec.decode(forward(short_ia, 0, "::", "fe80::c", b"x"))) is None


def test_same_message_goes_by_type_and_transaction_id_or_by_bytes():
    altered = SOLICIT + codec.option(37, b"added")
    assert same_message(forward(altered, 0, "::", "fe80::c", b"x"), SOLICIT)
    assert not same_message(forward(SOLICIT, 0, "::", "fe80::c", b"x"), SOLICIT[:1] + b"\x00\x00\x01")
    assert same_message(forward(b"\x01", 0, "::", "fe80::c", b"x"), b"\x01")
    assert not same_message(forward(SOLICIT, 0, "::", "fe80::c", b"x"), b"\x01")


def test_timeline_shows_relay_layers_malformed_cores_and_multicast_hop_limit():
    near = forward(SOLICIT, 0, "2001:db8:d::1", "fe80::c", b"near")
    frame = build_frame("02:00:00:00:00:01", "33:33:00:01:00:03", "2001:db8:ff::1", c.ALL_DHCP_SERVERS,
                        c.SERVER_PORT, c.SERVER_PORT, forward(near, 1, "::", "2001:db8:a::2", b"far"))
    line = format_message(decode_frame(frame, 10.0, "upstream"), 9.0)
    assert ("RELAY-FORW hop=1 link=:: peer=2001:db8:a::2 [RELAY-FORW hop=0 link=2001:db8:d::1 peer=fe80::c "
            "[SOLICIT xid=0x123456]] hlim=") in line
    broken = build_frame("02:00:00:00:00:01", "02:00:00:00:00:02", "2001:db8:ff::1", "2001:db8:ff::101",
                         c.SERVER_PORT, c.SERVER_PORT, forward(b"\x01", 0, "::", "fe80::c", b"x"))
    assert "[MALFORMED (message at byte 43 is 1 bytes long, shorter than 4)]" in format_message(decode_frame(broken, 10.0), 9.0)

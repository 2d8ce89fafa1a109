"""Nothing a DUT sends may stop a part of the suite or change a verdict silently: the short version of
benchmarks/fuzz.py (the documented 10,000-frame command), a differential test of the codec against scapy's DHCPv6
dissectors on valid messages, and live components under malformed input and their own bugs."""
import random
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import UDP

from conftest import PROJECT
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.codec import IA, Lease
from conformance.wire.duid import duid_ll

sys.path.insert(0, str(PROJECT / "benchmarks"))
import fuzz  # noqa: E402


def test_short_fuzz_of_every_offline_component_finds_no_violation():
    results = fuzz.offline(300, seed=7)
    assert {name: problems for name, (_, problems, _, _) in results.items()} == {name: 0 for name in results}


def test_the_contract_holds_as_a_hypothesis_property():
    fuzz.hypothesis_check(200)


@pytest.mark.lab
def test_live_components_survive_a_fuzzed_flood_and_still_serve():
    rng = random.Random(3)
    figures = fuzz.lab(fuzz.scapy_frames(rng, 700) + fuzz.mutated_frames(rng, 1300))
    assert figures["component failures"] == "0" and "NO" not in figures["components alive"], figures
    assert figures["valid Solicit answered after"] == "yes"
    assert figures["captured"].endswith("(0 dropped by the kernel)")


# the codec against scapy ----------------------------------------------------------------------------------------
_ADDRESSES = st.sampled_from(["2001:db8::1", "2001:db8:1::1000", "fe80::d6:ff:fe00:1"])
_LIFETIME = st.integers(0, 2**32 - 1)
_IA_NA = st.builds(lambda iaid, t1, t2, leases: IA("na", iaid, t1, t2, tuple(leases)), _LIFETIME, _LIFETIME,
                   _LIFETIME, st.lists(st.builds(Lease, _ADDRESSES, _LIFETIME, _LIFETIME), max_size=3))
_IA_PD = st.builds(lambda iaid, t1, t2, leases: IA("pd", iaid, t1, t2, tuple(leases)), _LIFETIME, _LIFETIME,
                   _LIFETIME, st.lists(st.builds(Lease, st.sampled_from(["2001:db8:100::/56", "2001:db8::/48"]),
                                                 _LIFETIME, _LIFETIME), max_size=2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msg_type=st.sampled_from([c.SOLICIT, c.ADVERTISE, c.REQUEST, c.RENEW, c.REBIND, c.REPLY]),
       xid=st.integers(0, 2**24 - 1), preference=st.none() | st.integers(0, 255),
       elapsed=st.none() | st.integers(0, 0xFFFF), ias=st.lists(_IA_NA | _IA_PD, max_size=3))
def test_codec_reads_valid_messages_as_scapy_does(msg_type, xid, preference, elapsed, ias):
    options = [codec.client_id(duid_ll("02:00:00:00:00:01"))]
    options += [codec.preference(preference)] if preference is not None else []
    options += [codec.elapsed_time(elapsed)] if elapsed is not None else []
    options += [codec.encode_ia(ia) for ia in ias]
    payload = codec.encode(msg_type, xid, options)
    ours = codec.decode(payload)
    theirs = UDP(bytes(UDP(sport=546, dport=547) / payload)).payload
    assert (ours.msg_type, ours.xid) == (theirs.msgtype, theirs.trid)
    layers, layer = [], theirs.payload
    while hasattr(layer, "optcode"):
        layers.append(layer)
        layer = layer.payload
    assert [code for code, _ in ours.options] == [layer.optcode for layer in layers]
    assert ours.preference == next((layer.prefval for layer in layers if layer.optcode == c.OPT_PREFERENCE), None)
    assert ours.elapsed == next((layer.elapsedtime for layer in layers if layer.optcode == c.OPT_ELAPSED_TIME), None)
    scapy_ias = [layer for layer in layers if layer.optcode in (c.OPT_IA_NA, c.OPT_IA_PD)]
    assert [(ia.iaid, ia.t1, ia.t2) for ia in ours.ias] == [(ia.iaid, ia.T1, ia.T2) for ia in scapy_ias]
    for mine, scapys in zip(ours.ias, scapy_ias):
        inner = scapys.ianaopts if mine.kind == "na" else scapys.iapdopt
        if mine.kind == "na":
            assert [(l.address, l.preferred, l.valid) for l in mine.leases] == [
                (str(o.addr), o.preflft, o.validlft) for o in inner]
        else:
            assert [(l.address, l.preferred, l.valid) for l in mine.leases] == [
                (f"{o.prefix}/{o.plen}", o.preflft, o.validlft) for o in inner]


def test_where_scapy_is_lenient_the_codec_says_why():
    """scapy 2.8 accepts an option that claims 80 bytes with 3 present, and turns a 5-byte IA_NA into Raw: the codec
    refuses both with the option and the byte offset."""
    claims = codec.encode(c.SOLICIT, 1, []) + b"\x00\x01\x00\x50abc"
    short = codec.encode(c.SOLICIT, 1, [codec.option(c.OPT_IA_NA, b"\x00\x00\x00\x01\x00")])
    for payload, reason in ((claims, "option 1 at byte 4 claims 80 bytes, 3 present"),
                            (short, "IA_NA at byte 4 is 5 bytes long, shorter than 12")):
        UDP(bytes(UDP(sport=546, dport=547) / payload))  # scapy: no error
        with pytest.raises(codec.MalformedMessage, match=reason):
            codec.decode(payload)


# live components ------------------------------------------------------------------------------------------------
@pytest.mark.lab
def test_fake_server_records_its_own_bug_and_an_unsendable_answer_and_goes_on(monkeypatch):
    from conformance.lab.packet_socket import PacketSocket
    from conformance.lab.timeline import Timeline
    from conformance.lab.topology import Lab
    from conformance.servers.fake_server import FakeServer
    from conformance.servers.script import ServerScript
    from conformance.testbed import default_pool
    from conformance.wire.frame import build_frame, multicast_mac

    with Lab() as lab:
        dut, host = lab.add_host("dut"), lab.add_host("s1")
        timeline = Timeline()
        server = FakeServer("s1", host, ServerScript(preference=7, pool=default_pool(1)), timeline=timeline)
        answer = server.logic.answer
        monkeypatch.setattr(server.logic, "answer",
                            lambda msg: 1 / 0 if msg.xid == 0xBAD else answer(msg))  # a bug of the suite's
        sock = PacketSocket(dut.namespace, dut.port().iface)
        port, group = dut.port(), c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS

        def solicit(xid, count=1):
            payload = codec.encode(c.SOLICIT, xid, [codec.client_id(duid_ll(port.mac)), codec.elapsed_time(0)]
                                   + [codec.ia("na", i, 0, 0, []) for i in range(count)])
            sock.send(build_frame(port.mac, multicast_mac(group), port.link_local, group, 546, 547, payload))

        solicit(0xBAD)
        solicit(0x0B16, count=80)  # an Advertise for 80 IA_NAs does not fit the link's MTU
        solicit(0x600D)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any(m.xid == 0x600D for m in _frames(sock)):
            time.sleep(0.05)
        alive = server.alive
        server.stop()
        sock.close()
    assert alive and len(server.failures) == 1 and "ZeroDivisionError" in server.failures[0]
    assert "NOT SENT: an answer of" in timeline.render()


def _frames(sock):
    from conformance.wire.frame import decode_frame
    out = []
    while (got := sock.recv()) is not None:
        message = decode_frame(got[0], got[1])
        if message is not None and message.msg_type == c.ADVERTISE:
            out.append(message)
    return out

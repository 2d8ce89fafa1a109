#!/usr/bin/env python3
"""Measures what the lab costs per case: topology set-up and teardown (DUT host, fake servers, capture), and the
fake servers' Solicit-to-Advertise latency from kernel capture timestamps (benchmarks/write_docs.py uses these
functions for docs/benchmarks.md).

    .venv/bin/python benchmarks/lab_costs.py [--rounds 20] [--solicits 500]
"""
import argparse
import statistics
import time

from scapy.arch.linux import L2Socket

from conformance.lab import netns
from conformance.lab.capture import Capture
from conformance.lab.timeline import Timeline
from conformance.lab.topology import Lab
from conformance.servers.fake_server import FakeServer
from conformance.servers.script import ServerScript
from conformance.testbed import default_pool
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.frame import build_frame, multicast_mac


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def setup_teardown(rounds: int, servers: int = 2):
    """Seconds to build (DUT host, `servers` fake servers, capture, link-local ready) and to remove, per round."""
    setups, teardowns = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        lab = Lab().__enter__()
        dut = lab.add_host("dut")
        fakes = [FakeServer(f"s{i}", lab.add_host(f"s{i}"), ServerScript(pool=default_pool(i)))
                 for i in range(1, servers + 1)]
        capture = Capture(lab.switch, dut.port().bridge_port, Timeline())
        lab.wait_link_local(dut)
        ready = time.perf_counter()
        for server in fakes:
            server.stop()
        capture.stop()
        lab.destroy()
        setups.append(ready - start)
        teardowns.append(time.perf_counter() - ready)
    return setups, teardowns


def advertise_latency(solicits: int, servers: int = 1):
    """Seconds from each Solicit to each server's Advertise, on the DUT's capture, with `servers` answering."""
    with Lab() as lab:
        dut = lab.add_host("dut")
        timeline = Timeline()
        capture = Capture(lab.switch, dut.port().bridge_port, timeline)
        answering = [FakeServer(f"s{i}", lab.add_host(f"s{i}"), ServerScript(preference=10, pool=default_pool(i)))
                     for i in range(1, servers + 1)]
        for server in answering:
            lab.wait_link_local(server.host)
        macs = [server.host.port().mac for server in answering]
        with netns.inside(dut.namespace):
            sock = L2Socket(iface=dut.port().iface, promisc=False)
        port = dut.port()
        for xid in range(1, solicits + 1):
            payload = codec.encode(c.SOLICIT, xid, [codec.client_id(b"\x00\x03\x00\x01" + port.mac.encode()[:6]),
                                                    codec.elapsed_time(0), codec.ia("na", 1, 0, 0, [])])
            sock.send(build_frame(port.mac, multicast_mac(c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS), port.link_local,
                                  c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS, c.CLIENT_PORT, c.SERVER_PORT, payload))
            for mac in macs:  # each server's Advertise (most have come by the time the first is seen)
                timeline.wait_for(lambda m, x=xid, s=mac: m.msg_type == c.ADVERTISE and m.xid == x
                                  and m.src_mac == s, timeout=1)
        for server in answering:
            server.stop()
        capture.stop()
        sock.close()
    sent = {m.xid: m.time for m in timeline.messages(lambda m: m.msg_type == c.SOLICIT)}
    return [m.time - sent[m.xid] for m in timeline.messages(lambda m: m.msg_type == c.ADVERTISE)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--solicits", type=int, default=500)
    args = parser.parse_args()
    setups, teardowns = setup_teardown(args.rounds)
    print(f"set-up   (dut + 2 servers + capture, {args.rounds} rounds): median {statistics.median(setups) * 1000:.0f} ms, "
          f"max {max(setups) * 1000:.0f} ms")
    print(f"teardown ({args.rounds} rounds): median {statistics.median(teardowns) * 1000:.0f} ms, "
          f"max {max(teardowns) * 1000:.0f} ms")
    latency = advertise_latency(args.solicits)
    print(f"Solicit->Advertise ({len(latency)} of {args.solicits}): median {statistics.median(latency) * 1000:.2f} ms, "
          f"p99 {percentile(latency, 0.99) * 1000:.2f} ms, max {max(latency) * 1000:.2f} ms")


if __name__ == "__main__":
    main()

"""What a relay case works with: the relay DUT between a client link (fake clients, a fake downstream relay) and an
upstream link (fake servers at global addresses), a capture on the DUT's port on each link, and the DUT itself.

Cases call it `lab`, as client cases do: `lab.server()`, `lab.client()`, `lab.start_dut()`, then they send through
the peers and judge what the DUT put on its links. Every time it hands out is a kernel capture timestamp.
"""
import ipaddress
import time

import pytest
from scapy.layers.inet6 import ICMPv6DestUnreach, IPv6
from scapy.layers.l2 import Ether

from .dut.device import DeviceDut
from .dut.process import ProcessDut
from .dut.profile import Profile, RelayWiring
from .lab import probe
from .lab.topology import Port
from .peers.client import FakeClient
from .peers.downstream import FakeRelay
from .peers.peer import Peer
from .results import HarnessError
from .servers.fake_server import FakeServer
from .servers.script import ServerScript
from .testbed import CAPTURE_SLACK, ClientTestbed, Testbed, default_pool
from .wire import constants as c
from .wire.codec import innermost
from .wire.frame import Message
from .wire.timing import RAND, RFC9915

CLIENT, SECOND_CLIENT, UPSTREAM = "client", "client2", "upstream"
PREFIXES = {CLIENT: "2001:db8:a::", SECOND_CLIENT: "2001:db8:b::", UPSTREAM: "2001:db8:ff::"}  # a /64 per link
DOWNSTREAM_RELAY = "2001:db8:a::2"
# A relay has no deadline in RFC 9915; a message it passes on later than the earliest end of a client's first
# retransmission timeout (the shortest IRT of section 7.6, less RAND, section 15) may arrive after the client has sent
# it again.
RELAY_WITHIN = min(params.irt for params in RFC9915.values()) * (1 - RAND)
PROBE_EVERY = 0.2  # seconds between the Solicits that find out when the relay is up


def same_message(relayed: bytes, sent: bytes) -> bool:
    """Whether `relayed` is `sent` as far as identity goes: the same type and transaction ID at the core of any relay
    layers (a relay that alters a message still relayed it), or the same bytes for something too short to have one."""
    core, mine = innermost(relayed), innermost(sent)
    return core[:4] == mine[:4] if len(mine) >= 4 else core == mine


def _unreachable_from(frame: bytes, source: str) -> bool:
    packet = Ether(frame)
    return ICMPv6DestUnreach in packet and packet[IPv6].src == source


def upstream_server(testbed: Testbed, address: str, **script) -> FakeServer:
    """A fake server on the upstream link at `address`, answering Relay-forwards, with its own prefix unless the
    script names a pool."""
    index = len(testbed.servers) + 1
    script.setdefault("pool", default_pool(index))
    host = testbed.lab.add_host(f"s{index}", links=(UPSTREAM,))
    testbed.lab.add_address(host, UPSTREAM, address)
    server = FakeServer(f"s{index}", host, ServerScript(**script), link=UPSTREAM, timeline=testbed.timeline)
    server.serve_relays(address)
    testbed.servers.append(server)
    return server


def await_relaying(testbed: Testbed, relay, from_relay, prober: FakeClient) -> None:
    """Send Solicits from `prober` until the relay passes one upstream (`from_relay(message)`: the relay sent it):
    a relay says nothing before it has something to relay, and both reference relays drop what arrives in their
    first ~100 ms."""
    probes: list[bytes] = []
    testbed.timeline.label(lambda m: any(same_message(m.payload, probe) for probe in probes),
                           "the suite's probe Solicit: is the relay up yet?")
    while time.time() < relay.started_at + testbed.start_timeout:
        probes.append(prober.send(prober.message(c.SOLICIT)))
        if testbed.timeline.wait_for(lambda m: m.link == UPSTREAM and m.msg_type == c.RELAY_FORW and from_relay(m)
                                     and any(same_message(m.payload, probe) for probe in probes), PROBE_EVERY):
            return
        if relay.exited() is not None:
            raise HarnessError(f"the relay {relay.ending() or 'ended'} before relaying anything; "
                               f"see {relay.log_path}")
    raise HarnessError(f"the relay relayed no client Solicit within {testbed.start_timeout:.0f} s of its start; is "
                       f"the profile's command (or the device's configuration) right? see {relay.log_path}")


class RelayTestbed(Testbed):
    """A relay DUT with a port on the client link (more client links on demand) and on the upstream link; it has
    the global address ::1 of each link's prefix and is captured at its bridge port on each.

    A relay on the bench (attach = "interface") is cabled to lent ports instead, and configured by its operator as
    the lab plan says (profiles/templates/physical-relay.toml): the same addresses, and the destinations its
    profile lists, where the fake servers go. A case that needs a destination or a client link the device was not
    configured with SKIPs, saying which."""

    def __init__(self, profile: Profile, evidence_dir):
        self.peers: list[Peer] = []
        super().__init__(profile, evidence_dir)

    def _build(self) -> None:
        bench = self.profile.bench
        if bench is None:
            self.dut_host = self.lab.add_host("dut", links=(CLIENT, UPSTREAM))
        else:
            self.dut_host = self.lab.lend_port(bench.interface, bench.vlan, CLIENT)
            self.lab.lend_port(*bench.upstream, UPSTREAM, self.dut_host)
            self.dut = DeviceDut(self.profile, self.lab.switch, self.port(CLIENT).iface, self.evidence_dir / "dut.log")
        for link in (CLIENT, UPSTREAM):
            self._wire(link)

    def _wire(self, link: str) -> None:
        if self.profile.bench is None:  # a device has its addresses from its operator
            self.lab.add_address(self.dut_host, link, self.address(link))
        self.capture(self.lab.switch, self.dut_host.port(link).bridge_port, link)

    def components(self):
        return [*super().components(), *self.peers]

    def duts(self):
        return [("the relay", self.dut, {port.mac for port in self.dut_host.ports.values()})] if self.dut else []

    def address(self, link: str) -> str:
        """The DUT's global address on `link`."""
        return PREFIXES[link] + "1"

    def port(self, link: str) -> Port:
        return self.dut_host.port(link)

    @property
    def client_links(self) -> list[str]:
        return [link for link in self.dut_host.ports if link != UPSTREAM]

    # scenario -------------------------------------------------------------------------------------------------
    def client(self, link: str = CLIENT) -> FakeClient:
        """A fake client on `link`; a link the DUT is not on yet gets a port of the DUT (before start_dut)."""
        if link not in self.dut_host.ports:
            if self.dut is not None and self.dut.started_at is not None:
                raise ValueError(f"client link {link} added after the DUT started")
            self._add_client_link(link)
        name = f"c{len(self.peers) + 1}"
        peer = FakeClient(name, self.lab.add_host(name, links=(link,)), link)
        self.peers.append(peer)
        return peer

    def _add_client_link(self, link: str) -> None:
        bench = self.profile.bench
        if bench is None:
            self.lab.attach(self.dut_host, link)
        elif link == SECOND_CLIENT and bench.second:
            self.lab.lend_port(*bench.second, link, self.dut_host)
        else:
            pytest.skip(f"not judged: the case needs a second client-side link ({PREFIXES[link]}/64) and the device "
                        "on the bench is cabled to one ([dut] second_interface names a second port)")
        self._wire(link)

    def downstream_relay(self) -> FakeRelay:
        """A fake relay on the client link that has the DUT's address there as its destination."""
        name = f"r{len(self.peers) + 1}"
        host = self.lab.add_host(name, links=(CLIENT,))
        self.lab.add_address(host, CLIENT, DOWNSTREAM_RELAY)
        peer = FakeRelay(name, host, CLIENT, DOWNSTREAM_RELAY, self.port(CLIENT), self.address(CLIENT))
        self.peers.append(peer)
        return peer

    def server(self, **script) -> FakeServer:
        return upstream_server(self, self._server_address(len(self.servers) + 1), **script)

    def _server_address(self, index: int) -> str:
        """Server n's address: the lab plan's 2001:db8:ff::10n, or on the bench the device's n-th unicast
        destination where it has one (start_dut SKIPs a case whose servers the device does not relay to)."""
        unicast = [d for d in self.profile.bench.destinations if not ipaddress.IPv6Address(d).is_multicast] \
            if self.profile.bench else []
        return unicast[index - 1] if index <= len(unicast) else f"{PREFIXES[UPSTREAM]}{0x100 + index:x}"

    def unplug(self, server: FakeServer) -> None:
        """The server drops off the upstream link, as a crashed or disconnected server does."""
        self.lab.set_port_up(server.host, UPSTREAM, False)

    def plug(self, server: FakeServer) -> None:
        self.lab.set_port_up(server.host, UPSTREAM, True)

    def unroute(self, server: FakeServer, unreachable: bool = True) -> bool:
        """Make the relay's own routing lose the server (an unreachable rule in its namespace), so its sends there
        fail at once, or give the route back; noted in the timeline. False, and nothing done, for a device on the
        bench: the suite does not touch its routing."""
        if self.profile.bench is not None:
            return False
        self.lab.set_unreachable(self.dut_host, server.address, unreachable)
        self.timeline.note(time.time(), "lab", f"ROUTE to {server.address} in the relay "
                                               f"{'UNREACHABLE: its sends there fail' if unreachable else 'back'}")
        return True

    def start_dut(self, destinations: list[str] | None = None) -> None:
        """Start the relay, told to forward to `destinations` (the servers' addresses, in order, by default), and
        wait until it relays a client's Solicit: a relay says nothing before it has something to relay. A device
        on the bench is reset instead, and must have been configured with those destinations."""
        destinations = destinations or [server.address for server in self.servers]
        if self.profile.bench is not None:
            self._start_device(destinations)
        else:
            lowers = tuple((self.port(link).iface, self.address(link)) for link in self.client_links)
            wiring = RelayWiring(lowers, self.port(UPSTREAM).iface, self.address(UPSTREAM), tuple(destinations))
            self.dut = ProcessDut(self.profile, self.dut_host.namespace, lowers[0][0], self.state_dir,
                                  self.evidence_dir / "dut.log", wiring)
            for link in self.dut_host.ports:
                self.lab.wait_link_local(self.dut_host, link)
            self.dut.start()
        self.note_started()
        prober = next((p for p in self.peers if isinstance(p, FakeClient) and p.port.link == CLIENT), None)
        prober = prober or self.client()
        if self.profile.bench is not None:
            self._find_device(prober)
        await_relaying(self, self.dut, lambda m: self.from_dut(m, UPSTREAM), prober)

    def _start_device(self, destinations: list[str]) -> None:
        missing = [d for d in destinations if d not in self.profile.bench.destinations]
        if missing:
            pytest.skip(f"not judged: the case needs the relay to relay to {', '.join(destinations)} and the device "
                        f"on the bench was configured with {', '.join(self.profile.bench.destinations)} ([dut] "
                        "destinations); a profile of the device configured so judges it")
        self.dut.start()

    def _find_device(self, prober: FakeClient) -> None:
        """The device's MAC on the client link, from its answer to a Neighbor Solicitation for the lab plan's
        address there (a fake relay sends to it); HarnessError if it has not got that address."""
        port, deadline = self.port(CLIENT), self.dut.started_at + self.start_timeout
        while port.mac is None:
            answers = probe.answered_by(prober.host, self.address(CLIENT), CLIENT) - self.lab_macs()
            port.mac = next(iter(sorted(answers)), None)
            if port.mac is None and time.time() > deadline:
                raise HarnessError(f"the device answered no Neighbor Solicitation for {self.address(CLIENT)} on its "
                                   f"client side within {self.start_timeout:.0f} s of its reset: is it configured as "
                                   "the lab plan says (profiles/templates/physical-relay.toml)?")

    # observation ----------------------------------------------------------------------------------------------
    def from_dut(self, message: Message, link: str) -> bool:
        self.learn_mac(self.port(link), message)  # a device on the bench: its MAC is learnt from the wire
        return message.link == link and message.src_mac == self.port(link).mac

    def arrived(self, payload: bytes, link: str = CLIENT) -> Message:
        """The capture of what a peer sent, on the DUT's port: the moment the relay got it."""
        found = self.timeline.wait_for(lambda m: m.link == link and not self.from_dut(m, link)
                                       and m.payload == payload, timeout=2.0)
        if found is None:
            raise HarnessError(f"a fake peer's message never appeared on the {link} link")
        return found

    def deadline(self, message: Message, hops: int = 1) -> float:
        """When the relay must have passed on what arrived with `message`: RELAY_WITHIN plus tolerance, per hop
        through the relay (a reply to a relayed message has come through it twice)."""
        return message.time + hops * (RELAY_WITHIN + self.tolerance)

    def settle(self, last: Message, hops: int = 1) -> float:
        """Let the lab run until `last`'s deadline has passed; returns the deadline."""
        deadline = self.deadline(last, hops)
        self.wait_until(deadline + CAPTURE_SLACK)
        return deadline

    def forwards(self, sent: Message, to: str | None = None) -> list[Message]:
        """Whatever the DUT put on the upstream link (to destination `to`) carrying `sent`, by `sent`'s deadline, in
        capture order; HarnessError if the capture lost frames in that window."""
        deadline = self.deadline(sent)
        self.require_complete(sent.time, deadline, f"what the relay did with the {sent.name}")
        return sorted(self.timeline.messages(
            lambda m: self.from_dut(m, UPSTREAM) and (to is None or m.dst == to) and sent.time <= m.time <= deadline
            and same_message(m.payload, sent.payload)), key=lambda m: m.time)

    def unreachable_notices(self, source: str, after: float) -> list[float]:
        """Capture times of the ICMPv6 Destination Unreachable messages (RFC 4443 section 3.1) `source` sent the
        relay on the upstream link since `after`; HarnessError if the capture lost frames meanwhile."""
        self.require_complete(after, time.time(), f"the ICMPv6 errors {source} sent the relay")
        return [f.time for capture in self.captures if capture.link == UPSTREAM for f in capture.frames
                if f.time > after and _unreachable_from(f.data, source)]

    def relay_forwards(self, sent: Message, to: str | None = None) -> list[Message]:
        return [m for m in self.forwards(sent, to) if m.msg_type == c.RELAY_FORW]

    def relay_replies(self, sent: Message) -> list[Message]:
        """The Relay-replies the fake servers sent the DUT in answer to `sent` (same transaction ID at the core), in
        capture order."""
        servers = {server.port.mac for server in self.servers}
        self.require_complete(sent.time, time.time(), f"the servers' answers to the {sent.name}")
        return sorted(self.timeline.messages(
            lambda m: m.link == UPSTREAM and m.src_mac in servers and m.msg_type == c.RELAY_REPL
            and m.time >= sent.time and innermost(m.payload)[1:4] == innermost(sent.payload)[1:4]),
            key=lambda m: m.time)

    def delivered(self, reply: Message, link: str) -> list[Message]:
        """What the DUT sent on client-side `link`, by `reply`'s deadline, carrying the message in `reply`'s Relay
        Message option (same type and transaction ID at the core; the bytes are the case's to compare)."""
        deadline = self.deadline(reply)
        self.require_complete(reply.time, deadline, f"what the relay did with the {reply.name}")
        return sorted(self.timeline.messages(
            lambda m: self.from_dut(m, link) and reply.time <= m.time <= deadline
            and same_message(m.payload, reply.payload)), key=lambda m: m.time)



class ClientBehindRelayTestbed(ClientTestbed):
    """A client DUT on the client link of a relay DUT, the fake servers upstream: RFC 6853's redundant servers as a
    client behind a relay meets them. The client cases that allow it are judged on the client link, as on a direct
    one; the relay's upstream port is captured too, for the evidence."""

    def __init__(self, profile: Profile, relay_profile: Profile, evidence_dir):
        self.relay_profile = relay_profile
        self.relay: ProcessDut | None = None
        self.prober: FakeClient | None = None
        super().__init__(profile, evidence_dir)

    def _build(self) -> None:
        self.dut_host = self.lab.add_host("dut", links=(CLIENT,))
        self.dut_port = self.dut_host.port(CLIENT)
        self.capture(self.lab.switch, self.dut_port.bridge_port, CLIENT)
        self.relay_host = self.lab.add_host("relay", links=(CLIENT, UPSTREAM))
        for link in (CLIENT, UPSTREAM):
            self.lab.add_address(self.relay_host, link, PREFIXES[link] + "1")
        self.capture(self.lab.switch, self.relay_host.port(UPSTREAM).bridge_port, UPSTREAM)
        self.dut = ProcessDut(self.profile, self.dut_host.namespace, self.dut_port.iface, self.state_dir,
                              self.evidence_dir / "dut.log")

    def server(self, preference: int | None = None, advertise_delay: float = 0.0, **script) -> FakeServer:
        return upstream_server(self, f"{PREFIXES[UPSTREAM]}{0x101 + len(self.servers):x}", preference=preference,
                               advertise_delay=advertise_delay, **script)

    def start_dut(self) -> None:
        """Start the relay, forwarding to every server, wait until it relays, then start the client. A case with no
        server gets a silent one: a relay needs a destination to show it is up."""
        if not self.servers:
            self.server().silence()
        lower, upper = self.relay_host.port(CLIENT), self.relay_host.port(UPSTREAM)
        wiring = RelayWiring(((lower.iface, PREFIXES[CLIENT] + "1"),), upper.iface, PREFIXES[UPSTREAM] + "1",
                             tuple(server.address for server in self.servers))
        self.relay = ProcessDut(self.relay_profile, self.relay_host.namespace, lower.iface, self.state_dir / "relay",
                                self.evidence_dir / "relay.log", wiring)
        for link in (CLIENT, UPSTREAM):
            self.lab.wait_link_local(self.relay_host, link)
        self.relay.start()
        self.prober = FakeClient("probe", self.lab.add_host("probe", links=(CLIENT,)), CLIENT)
        await_relaying(self, self.relay, lambda m: m.src_mac == upper.mac, self.prober)
        super().start_dut()

    def duts(self):
        relay = self.relay_host.ports.values()
        return super().duts() + ([("the relay", self.relay, {port.mac for port in relay})] if self.relay else [])

    def components(self):
        return super().components() + ([self.prober] if self.prober else [])

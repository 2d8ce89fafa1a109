"""The lab network: links are bridges in one switch namespace, each host is a namespace with one veth per link.

Built with pyroute2 only. DAD and router solicitations are switched off in every namespace before its links exist,
so link-local addresses are usable in milliseconds and no kernel Router Solicitation pollutes the timelines;
a host that needs DAD (a Decline case) asks for it with `dad=True`.
"""
import ipaddress
import time
from dataclasses import dataclass, field

from pyroute2 import NetNS

from . import naming, netns
from .naming import RunTag

SWITCH = "sw"
IFA_F_NODAD = 0x02


def link_local(mac: str) -> str:
    """The EUI-64 link-local address the kernel derives from `mac` (RFC 4291 appendix A)."""
    octets = bytearray.fromhex(mac.replace(":", ""))
    octets[0] ^= 0x02
    iid = bytes(octets[:3]) + b"\xff\xfe" + bytes(octets[3:])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + b"\x00" * 6 + iid))


@dataclass
class Port:
    """One host's attachment to one link: its interface, MAC and link-local address, and the bridge port facing it."""

    link: str
    iface: str
    mac: str
    link_local: str
    bridge_port: str


@dataclass
class Host:
    name: str
    namespace: str
    ports: dict[str, Port] = field(default_factory=dict)

    def port(self, link: str = "lan") -> Port:
        return self.ports[link]


def _quiet_sysctls(namespace: str, dad: bool) -> None:
    for scope in ("all", "default"):
        netns.write_sysctl(namespace, f"net/ipv6/conf/{scope}/accept_dad", "1" if dad else "0")
        netns.write_sysctl(namespace, f"net/ipv6/conf/{scope}/router_solicitations", "0")
        netns.write_sysctl(namespace, f"net/ipv6/conf/{scope}/accept_ra", "0")


class Lab:
    """Namespaces and links of one case. Use as a context manager: everything goes when it ends, however it ends."""

    def __init__(self, tag: RunTag | None = None):
        self.tag = tag or RunTag()
        self.switch = self.tag.namespace(SWITCH)
        self.hosts: dict[str, Host] = {}
        self.bridges: dict[str, str] = {}
        self._created: list[str] = []
        self._lent: list[tuple[str, int | None]] = []
        self._mac_serial = 0

    # lifecycle ------------------------------------------------------------------------------------------------
    def __enter__(self) -> "Lab":
        naming.claim()
        self._create_namespace(self.switch)
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()

    def destroy(self) -> None:
        from . import bench_port
        for port, vlan in self._lent:  # home first: a veth end would go with its namespace
            bench_port.give_back(port, vlan)
        self._lent.clear()
        for name in reversed(self._created):
            netns.remove(name)
        self._created.clear()

    def _create_namespace(self, name: str, dad: bool = False) -> None:
        self._created.append(name)  # first: an interrupt inside create() must not leave it unknown to destroy()
        netns.create(name)
        _quiet_sysctls(name, dad)
        with NetNS(name, flags=0) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname="lo")[0], state="up")

    # building -------------------------------------------------------------------------------------------------
    def add_link(self, link: str = "lan") -> str:
        if link not in self.bridges:
            bridge = self.tag.interface(f"br{len(self.bridges)}")
            with NetNS(self.switch, flags=0) as ipr:
                ipr.link("add", ifname=bridge, kind="bridge", br_mcast_snooping=0)
                ipr.link("set", index=ipr.link_lookup(ifname=bridge)[0], state="up")
            self.bridges[link] = bridge
        return self.bridges[link]

    def add_host(self, name: str, links: tuple[str, ...] = ("lan",), dad: bool = False) -> Host:
        """A namespace attached to each of `links` by a veth whose far end is a port of that link's bridge."""
        host = Host(name, self.tag.namespace(name))
        self._create_namespace(host.namespace, dad)
        for link in links:
            host.ports[link] = self._attach(host, link)
        self.hosts[name] = host
        return host

    def attach(self, host: Host, link: str) -> Port:
        """Give an existing host a port on one more link (a relay DUT grows a client-side interface)."""
        host.ports[link] = self._attach(host, link)
        return host.ports[link]

    def lend_port(self, name: str, vlan: int | None = None, link: str = "lan", host: Host | None = None) -> Host:
        """A port of the lab host (or a VLAN on it) as the DUT's attachment to `link` (bench_port): a Host whose
        namespace is the switch's and whose port's bridge side is the lent interface (`host` gets one more such
        port: a relay is cabled to several links). The device's MAC is not known until it speaks (the testbed
        learns it)."""
        from . import bench_port
        bridge = self.add_link(link)
        lent = bench_port.lend(name, vlan, self.switch, bridge, self.tag.interface(f"v{len(self._lent)}"))
        self._lent.append((name, vlan))
        host = host or Host("dut", self.switch)
        host.ports[link] = Port(link, lent, None, None, lent)
        return host

    def add_address(self, host: Host, link: str, address: str, prefixlen: int = 64) -> None:
        """A permanent address on the host's port, usable at once (IFA_F_NODAD): a relay sources Relay-forwards
        from a global address, and a server on the upstream link is reached at one."""
        with NetNS(host.namespace, flags=0) as ipr:
            ipr.addr("add", index=ipr.link_lookup(ifname=host.port(link).iface)[0], address=address,
                     prefixlen=prefixlen, flags=IFA_F_NODAD)

    def set_port_up(self, host: Host, link: str, up: bool) -> None:
        """Take the bridge port facing the host down (it vanishes from the link, as an unplugged server) or up."""
        with NetNS(self.switch, flags=0) as ipr:
            index = ipr.link_lookup(ifname=host.port(link).bridge_port)[0]
            ipr.link("set", index=index, state="up" if up else "down")

    def set_unreachable(self, host: Host, address: str, unreachable: bool) -> None:
        """A policy rule in the host's namespace that makes `address` unreachable (or its removal): the host's sends
        there fail at once (ENETUNREACH), as when its routing loses the destination. A rule rather than an
        unreachable route, which a send naming its outgoing interface (IPV6_PKTINFO) bypasses."""
        with NetNS(host.namespace, flags=0) as ipr:
            ipr.rule("add" if unreachable else "del", family=10, dst=address, dst_len=128,
                     action="FR_ACT_UNREACHABLE", priority=100)

    def _attach(self, host: Host, link: str) -> Port:
        bridge = self.add_link(link)
        self._mac_serial += 1
        serial = self._mac_serial
        mac = f"02:d6:{(self.tag.pid >> 8) & 0xff:02x}:{self.tag.pid & 0xff:02x}:{self.tag.seq & 0xff:02x}:{serial:02x}"
        iface, bridge_port = self.tag.interface(f"h{serial}"), self.tag.interface(f"p{serial}")
        with NetNS(self.switch, flags=0) as ipr:
            ipr.link("add", ifname=bridge_port, kind="veth",
                     peer={"ifname": iface, "net_ns_fd": host.namespace, "address": mac})
            ipr.link("set", index=ipr.link_lookup(ifname=bridge_port)[0],
                     master=ipr.link_lookup(ifname=bridge)[0], state="up")
        with NetNS(host.namespace, flags=0) as ipr:
            ipr.link("set", index=ipr.link_lookup(ifname=iface)[0], state="up")
        return Port(link, iface, mac, link_local(mac), bridge_port)

    def wait_link_local(self, host: Host, link: str = "lan", timeout: float = 5.0) -> None:
        """Wait until the host's link-local address is usable (no longer tentative), so a DUT can bind to it."""
        deadline = time.monotonic() + timeout
        with NetNS(host.namespace, flags=0) as ipr:
            index = ipr.link_lookup(ifname=host.port(link).iface)[0]
            while time.monotonic() < deadline:
                for addr in ipr.get_addr(family=10, index=index):
                    if addr.get("address", "").startswith("fe80") and not addr.get("flags", 0) & 0x40:
                        return
                time.sleep(0.01)
        raise TimeoutError(f"no usable link-local address on {host.port(link).iface} after {timeout} s")

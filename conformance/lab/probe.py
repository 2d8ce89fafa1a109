"""Asks the wire whether a host uses an address: a Neighbor Solicitation for it (RFC 4861 section 7.2.2) from a lab
host, answered by a Neighbor Advertisement only if some host on the link has the address configured."""
import ipaddress
import select
import socket
import time

from scapy.arch.linux import L2Socket
from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPv6, in6_getnsma, in6_getnsmac
from scapy.layers.l2 import Ether
from scapy.pton_ntop import inet_pton

from . import netns
from .topology import Host


def answered_by(host: Host, target: str, link: str = "lan", wait: float = 0.5) -> set[str]:
    """The MACs that answer a Neighbor Solicitation for `target` sent from `host` within `wait` seconds."""
    port = host.port(link)
    target = str(ipaddress.IPv6Address(target))
    group = socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, target)))
    frame = (Ether(src=port.mac, dst=in6_getnsmac(inet_pton(socket.AF_INET6, group)))
             / IPv6(src=port.link_local, dst=group, hlim=255)
             / ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=port.mac))
    with netns.inside(host.namespace):
        sock = L2Socket(iface=port.iface, promisc=False)
    macs = set()
    try:
        sock.send(frame)
        deadline = time.monotonic() + wait
        while (remaining := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], remaining)[0]:
                break
            packet = sock.recv()
            if packet is not None and ICMPv6ND_NA in packet and packet[ICMPv6ND_NA].tgt == target:
                macs.add(packet[Ether].src)
        return macs
    finally:
        sock.close()

"""Relaying client messages upstream: to every destination, in the RFC 9915 format, through a destination's outage,
unknown message types too, and to All_DHCP_Servers.

Levels: RFC 6853 has no BCP 14 keywords ("must support the ability to relay DHCPv6 messages to more than one
destination"); RFC 9915 section 19 states most relay behaviour as fact with no alternative ("the relay agent copies",
"is set to 0"): those cases are MUST, as README says. A relay has no deadline in the RFC: the suite gives it until the
earliest end of a client's first retransmission timeout (relaybed.RELAY_WITHIN) plus the profile's tolerance.
"""
import ipaddress
import time

from conformance.caseinfo import MUST, case
from conformance.relaybed import CLIENT, PREFIXES, RELAY_WITHIN
from conformance.verdict import precondition, require
from conformance.wire import codec
from conformance.wire.constants import (ALL_DHCP_SERVERS, CONFIRM, DECLINE, INFORMATION_REQUEST, MESSAGE_NAMES,
                                        OPT_RELAY_MSG, REBIND, RELAY_FORW, RELEASE, RENEW, REQUEST, SOLICIT)
from conformance.peers.client import message, next_xid

CLIENT_TYPES = (SOLICIT, REQUEST, CONFIRM, RENEW, REBIND, RELEASE, DECLINE, INFORMATION_REQUEST)
UNKNOWN_OPTION = codec.option(0xFDE9, b"conformance")  # an option code no RFC assigns
UNKNOWN_TYPE = 250                                     # a message type no RFC assigns
OUTAGE_GAP = 0.3                                       # seconds between client messages around an outage


def _window(lab) -> str:
    return f"within {RELAY_WITHIN + lab.tolerance:.3f} s"


@case("R-FWD-ALL", rfc=["RFC 6853 5.2", "RFC 6853 7", "RFC 9915 19.1", "RFC 3315 20.1"], level=MUST, role="relay")
def test_every_client_message_reaches_every_destination(lab):
    """Each client message type reaches every configured destination, as exactly one Relay-forward.

    RFC 6853 5.2: "DHCPv6 relay agents must be [RFC3315] compliant and must support the ability to relay DHCPv6
    messages to more than one destination."
    RFC 6853 7: "Relays are expected to forward incoming client messages to all servers."
    RFC 9915 19.1: "A relay agent relays both messages from clients and Relay-forward messages from other relay
    agents. When a relay agent receives a Relay-forward message, a recognized message type for which it is not the
    intended target, or an unrecognized message type [RFC7283], it constructs a new Relay-forward message."
    (One received message, one new Relay-forward per destination: a second copy is a message the client never sent.)
    """
    servers = [lab.server() for _ in range(3)]
    client = lab.client()
    lab.start_dut()
    sent = [lab.arrived(client.send(client.message(msg_type))) for msg_type in CLIENT_TYPES]
    lab.settle(sent[-1])
    counts = {(m.name, s.name): len(lab.relay_forwards(m, to=s.address)) for m in sent for s in servers}
    lab.record("relay_forwards", ", ".join(f"{name}->{server}:{n}" for (name, server), n in counts.items()),
               "1 each")
    requirement = ("RFC 6853 5.2/7, RFC 9915 19.1: a relay relays every client message to each of its destinations, "
                   "as one new Relay-forward")
    expected = (f"one Relay-forward of each of {', '.join(MESSAGE_NAMES[t] for t in CLIENT_TYPES)} to each of "
                f"{', '.join(s.address for s in servers)}, {_window(lab)}")
    missing = [f"{name} to {server}" for (name, server), n in counts.items() if n == 0]
    require(not missing, requirement, expected, f"none for {', '.join(missing)}")
    extra = [f"{n} of {name} to {server}" for (name, server), n in counts.items() if n > 1]
    require(not extra, requirement, expected, ", ".join(extra))


@case("R-FWD-FORMAT", rfc=["RFC 9915 19.1", "RFC 9915 19.1.1", "RFC 9915 9.1", "RFC 9915 21.10", "RFC 9915 19.4",
                           "RFC 9915 16", "RFC 3315 20.1.1"], level=MUST, role="relay")
def test_relay_forward_format(lab):
    """A client message goes up with hop-count 0, the link's address, the client's address, and its bytes verbatim.

    RFC 9915 19.1: "The relay agent copies the source address from the header of the IP datagram in which the
    message was received into the peer-address field of the Relay-forward message. The relay agent copies the
    received DHCP message (excluding any IP or UDP headers) into a Relay Message option (see Section 21.10) in the
    new message."
    RFC 9915 19.1.1: "If the relay agent received the message to be relayed from a client, the relay agent places a
    globally scoped unicast address (i.e., GUA or ULA) from a prefix assigned to the link on which the client should
    be assigned leases into the link-address field. If such an address is not available, the relay agent may set the
    link-address field to a link-local address from the interface on which the original message was received."
    "The hop-count value in the Relay-forward message is set to 0."
    RFC 9915 9.1: "options: MUST include a Relay Message option (see Section 21.10); MAY include other options, such
    as the Interface-Id option (see Section 21.18), added by the relay agent."
    RFC 9915 21.10: "In a Relay-forward message, the received message, relayed verbatim to the next relay agent or
    server"
    RFC 9915 19.4: "Each relay is allowed to insert additional options on the encapsulation level it added but MUST
    NOT change anything in the message being encapsulated."
    RFC 9915 16: "Clients, relay agents, and servers MUST NOT discard messages that contain unknown options (or
    instances of vendor options with unknown enterprise-number values)."
    (The relay has a global address on the client link, so a link-local link-address is not the case here.)
    """
    servers = [lab.server()]  # one destination: forwarding to all of them is R-FWD-ALL's
    client = lab.client()
    lab.start_dut()
    solicit = lab.arrived(client.send(client.message(SOLICIT) + UNKNOWN_OPTION))
    lab.settle(solicit)
    forwards = [f for server in servers for f in lab.forwards(solicit, to=server.address)]
    require(bool(forwards), "RFC 9915 19.1/16: a relay relays a client's Solicit, unknown options and all",
            f"a Relay-forward of the Solicit {_window(lab)}", "none")
    prefix = ipaddress.IPv6Network(PREFIXES[CLIENT] + "/64")
    lab.record("link_address", ", ".join(sorted({str(f.link_address) for f in forwards if f.dhcp})), str(prefix))
    for f in forwards:
        where = f"the Relay-forward to {f.dst} (+{f.time - solicit.time:.3f} s)"
        require(f.dhcp is not None and f.msg_type == RELAY_FORW,
                "RFC 9915 19.1: the relay constructs a new Relay-forward message", "msg-type RELAY-FORW (12)",
                f"{where}: {f.name} {f.error or ''}")
        require(f.hop_count == 0, "RFC 9915 19.1.1: The hop-count value in the Relay-forward message is set to 0",
                "hop-count 0", f"{where}: hop-count {f.hop_count}")
        require(ipaddress.IPv6Address(f.link_address) in prefix,
                "RFC 9915 19.1.1: link-address is a global address from a prefix assigned to the client's link",
                f"an address in {prefix} (the relay has {lab.address(CLIENT)} there)", f"{where}: {f.link_address}")
        require(f.peer_address == solicit.src,
                "RFC 9915 19.1: the source address of the client's datagram is copied into peer-address",
                f"peer-address {solicit.src}", f"{where}: {f.peer_address}")
        relayed = f.option(OPT_RELAY_MSG)
        require(relayed is not None, "RFC 9915 9.1: options MUST include a Relay Message option",
                "a Relay Message option", f"{where}: none")
        first_difference = next((i for i, (a, b) in enumerate(zip(relayed, solicit.payload)) if a != b),
                                min(len(relayed), len(solicit.payload)))
        require(relayed == solicit.payload,
                "RFC 9915 19.1/21.10/19.4: the received message is relayed verbatim; a relay MUST NOT change "
                "anything in the packet being encapsulated",
                f"the client's {len(solicit.payload)} bytes", f"{where}: {len(relayed)} bytes, differing from "
                                                              f"byte {first_difference}")


@case("R-FWD-OUTAGE", rfc=["RFC 6853 5.2", "RFC 6853 7", "RFC 9915 19.1"], level=MUST, role="relay")
def test_outage_of_one_destination(lab):
    """With one destination gone the others still get every client message; once back, it gets them again.

    RFC 6853 5.2: "DHCPv6 relay agents must be [RFC3315] compliant and must support the ability to relay DHCPv6
    messages to more than one destination."
    RFC 6853 7: "Relays are expected to forward incoming client messages to all servers."
    RFC 9915 19.1: "A relay agent relays both messages from clients and Relay-forward messages from other relay
    agents."
    (The first configured destination drops off the upstream link, as a crashed server does, then comes back.)
    """
    gone, other = lab.server(), lab.server()
    client = lab.client()
    lab.start_dut()

    lab.unplug(gone)
    during = _send_each(lab, client, (SOLICIT, REQUEST, RENEW))
    lab.plug(gone)
    after = _send_each(lab, client, (SOLICIT, REBIND))
    _require_relayed_meanwhile(lab, during, other, f"while {gone.address} is off the link")
    _require_back(lab, after, gone, other)


def _send_each(lab, client, msg_types):
    """One client message of each type, OUTAGE_GAP apart; the messages as they arrived at the relay, once the
    relay's time to relay the last has passed."""
    sent = []
    for msg_type in msg_types:
        sent.append(lab.arrived(client.send(client.message(msg_type))))
        time.sleep(OUTAGE_GAP)
    lab.settle(sent[-1])
    return sent


def _require_relayed_meanwhile(lab, during, other, why: str) -> None:
    lost = [m.name for m in during if not lab.relay_forwards(m, to=other.address)]
    lab.record("during_outage", f"{len(during) - len(lost)}/{len(during)} to {other.name}", f"{len(during)}")
    require(not lost, "RFC 6853 5.2/7: with one destination gone, the relay still relays every client message to "
                      "the others", f"each of {', '.join(m.name for m in during)} relayed to {other.address} "
                                    f"{_window(lab)} {why}",
            f"not relayed: {', '.join(lost)}")


def _require_back(lab, after, gone, other) -> None:
    back = {s.name: [m.name for m in after if not lab.relay_forwards(m, to=s.address)] for s in (gone, other)}
    lab.record("after_outage", ", ".join(f"{n}: {len(after) - len(v)}/{len(after)}" for n, v in back.items()))
    require(not back[gone.name], "RFC 6853 5.2/7: a destination that is back gets client messages again",
            f"each of {', '.join(m.name for m in after)} relayed to {gone.address} once it is back",
            f"not relayed: {', '.join(back[gone.name])}")
    require(not back[other.name], "RFC 6853 5.2/7: the relay relays every client message to every destination",
            f"each of {', '.join(m.name for m in after)} relayed to {other.address}",
            f"not relayed: {', '.join(back[other.name])}")


@case("R-FWD-UNREACH", rfc=["RFC 6853 5.2", "RFC 6853 7", "RFC 9915 19.1", "RFC 4443 3.1"], level=MUST,
      role="relay")
def test_unreachable_destination(lab):
    """A destination the relay is told is unreachable (ICMPv6 Destination Unreachable from its host, then a send
    that fails in the relay's own routing) does not stop the others getting every client message; once reachable,
    it gets them again.

    RFC 6853 5.2: "DHCPv6 relay agents must be [RFC3315] compliant and must support the ability to relay DHCPv6
    messages to more than one destination."
    RFC 6853 7: "Relays are expected to forward incoming client messages to all servers."
    RFC 4443 3.1: "A Destination Unreachable message SHOULD be generated by a router, or by the IPv6 layer in the
    originating node, in response to a packet that cannot be delivered to its destination address for reasons
    other than congestion." (Its DHCP server gone, the first destination's host answers with port unreachable; then
    an unreachable route in the relay's namespace makes its sends there fail at once: a relay that gives up on
    the remaining destinations when one send fails shows it. A relay on the bench gets the first part only.)
    """
    gone, other = lab.server(), lab.server()  # gone first: a relay that stops at a failed send skips `other`
    client = lab.client()
    lab.start_dut()
    gone.refuse()
    began = time.time()
    during = _send_each(lab, client, (SOLICIT, REQUEST, RENEW))
    precondition(bool(lab.unreachable_notices(gone.address, began)),
                 f"{gone.address} answered the relay with ICMPv6 Destination Unreachable")
    if lab.unroute(gone):
        routed_away = _send_each(lab, client, (SOLICIT, REBIND))
        precondition(not any(lab.relay_forwards(m, to=gone.address) for m in routed_away),
                     f"the relay's sends to {gone.address} failed (nothing reached it)")
        during += routed_away
        lab.unroute(gone, False)
    gone.refuse(False)
    after = _send_each(lab, client, (SOLICIT, REBIND))
    _require_relayed_meanwhile(lab, during, other, f"while {gone.address} is unreachable")
    _require_back(lab, after, gone, other)


@case("R-FWD-UNKNOWN", rfc=["RFC 9915 19", "RFC 9915 19.1", "RFC 7283"], level=MUST, role="relay")
def test_unknown_message_type_is_relayed(lab):
    """A message of a type the relay does not know, from the client side, is relayed like a client message.

    RFC 9915 19: "If the relay agent receives a message other than Relay-forward and Relay-reply and the relay agent
    does not recognize its message type, it MUST forward the message as described in Section 19.1.1."
    RFC 9915 19.1: "When a relay agent receives a Relay-forward message, a recognized message type for which it is
    not the intended target, or an unrecognized message type [RFC7283], it constructs a new Relay-forward message."
    (Message type 250 is unassigned.)
    """
    servers = [lab.server()]  # one destination: forwarding to all of them is R-FWD-ALL's
    client = lab.client()
    lab.start_dut()
    unknown = lab.arrived(client.send(message(UNKNOWN_TYPE, next_xid(), client.duid)))
    lab.settle(unknown)
    missing = [s.address for s in servers if not lab.relay_forwards(unknown, to=s.address)]
    lab.record("relayed_to", f"{len(servers) - len(missing)}/{len(servers)}", f"{len(servers)}")
    require(not missing, "RFC 9915 19: a relay MUST forward a message whose type it does not recognize, as a client "
                         "message", f"a Relay-forward of the type-{UNKNOWN_TYPE} message to each destination "
                                    f"{_window(lab)}", f"none to {', '.join(missing)}")


@case("R-FWD-MCAST", rfc=["RFC 9915 19", "RFC 9915 7.1", "RFC 3315 20"], level=MUST, role="relay",
      requires=("multicast_destination",))
def test_relays_to_all_dhcp_servers(lab):
    """Told to use All_DHCP_Servers, the relay sends each client message there once, with Hop Limit 8 (32 in RFC 3315).

    RFC 9915 19: "The list of destination addresses MAY include the All_DHCP_Servers multicast address or other
    addresses selected by the network administrator." "If the relay agent relays messages to the All_DHCP_Servers
    multicast address or other multicast addresses, it sets the Hop Limit field to 8."
    RFC 3315 20: "If the relay agent relays messages to the All_DHCP_Servers multicast address or other multicast
    addresses, it sets the Hop Limit field to 32."
    (Judged against the profile's reference, RFC 9915 unless [timing] rfc says otherwise; the verdict says when the
    relay used RFC 3315's value.)
    """
    lab.server()  # one server listening on All_DHCP_Servers is enough to answer
    client = lab.client()
    lab.start_dut(destinations=[ALL_DHCP_SERVERS])
    solicit = lab.arrived(client.send(client.message(SOLICIT)))
    lab.settle(solicit)
    forwards = lab.relay_forwards(solicit, to=ALL_DHCP_SERVERS)
    require(len(forwards) == 1, "RFC 9915 19: a relay configured with All_DHCP_Servers relays each client message "
                                "there", f"one Relay-forward to {ALL_DHCP_SERVERS} {_window(lab)}", f"{len(forwards)}")
    hop_limit, wanted = forwards[0].hop_limit, lab.reference.multicast_hop_limit
    lab.record("hop_limit", str(hop_limit), str(wanted))
    require(hop_limit == wanted, f"RFC 9915 19: relaying to All_DHCP_Servers, the relay sets the Hop Limit field to "
                                 f"8 (judged against {lab.reference.name}: {wanted}; RFC 3315 section 20 said 32)",
            f"IPv6 Hop Limit {wanted}",
            f"Hop Limit {hop_limit}" + (" (RFC 3315's value)" if hop_limit == 32 != wanted else ""))

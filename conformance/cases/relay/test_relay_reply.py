"""Relaying servers' answers back down: the message inside each Relay-reply reaches the client unmodified, on the
client's own link.

A relay has no deadline in the RFC: each hop through it gets relaybed.RELAY_WITHIN plus the profile's tolerance.
"""
from conformance.caseinfo import MUST, case
from conformance.relaybed import CLIENT, SECOND_CLIENT
from conformance.verdict import precondition, require
from conformance.wire.constants import CLIENT_PORT, OPT_INTERFACE_ID, OPT_RELAY_MSG, SOLICIT


def _answers(lab, solicit):
    """The fake servers' Relay-replies to `solicit`; none means the scenario did not hold."""
    lab.settle(solicit, hops=2)
    replies = lab.relay_replies(solicit)
    precondition(bool(replies), f"a fake server's Relay-reply to the Solicit from {solicit.src} reached the relay "
                                "(R-FWD-ALL judges relaying it up)")
    return replies


def _sender(lab, reply) -> str:
    return next(s.name for s in lab.servers if s.port.mac == reply.src_mac)


@case("R-REPLY-DELIVER", rfc=["RFC 9915 19.2", "RFC 9915 7.2", "RFC 9915 21.10", "RFC 3315 20.2"], level=MUST,
      role="relay")
def test_reply_reaches_the_client(lab):
    """The message in each server's Relay-reply reaches the client unmodified, at its address, on UDP port 546.

    RFC 9915 19.2: "The relay agent extracts the message from the Relay Message option and relays it to the address
    contained in the peer-address field of the Relay-reply message. Relay agents MUST NOT modify the message."
    "If the relay agent receives a Relay-reply message, it MUST process the message as defined above, regardless of
    the type of message encapsulated in the Relay Message option."
    RFC 9915 7.2: "Clients MUST listen for DHCP messages on UDP port 546."
    RFC 9915 21.10: "in a Relay-reply message, the message to be copied and relayed to the relay agent or client
    whose address is in the peer-address field of the Relay-reply message."
    """
    lab.server()  # one destination: forwarding to all of them is R-FWD-ALL's
    client = lab.client()
    lab.start_dut()
    solicit = lab.arrived(client.send(client.message(SOLICIT)))
    delivered = []
    for reply in _answers(lab, solicit):
        inner, server = reply.option(OPT_RELAY_MSG), _sender(lab, reply)
        down = lab.delivered(reply, CLIENT)
        require(bool(down), "RFC 9915 19.2: the relay extracts the message from the Relay Message option and relays "
                            "it to the address in peer-address",
                f"{server}'s answer on the client link within {lab.deadline(reply) - reply.time:.3f} s of its "
                "Relay-reply", "none")
        exact = next((d for d in down if d.payload == inner), None)
        require(exact is not None, "RFC 9915 19.2: Relay agents MUST NOT modify the message",
                f"the {len(inner)} bytes of {server}'s answer", f"{len(down[0].payload)} other bytes")
        require(exact.dst == solicit.src and exact.dst_mac == client.port.mac,
                "RFC 9915 19.2: relayed to the address in peer-address (the client's, which the relay put there)",
                f"to {solicit.src} ({client.port.mac})", f"to {exact.dst} ({exact.dst_mac})")
        require(exact.dport == CLIENT_PORT, "RFC 9915 7.2: Clients MUST listen for DHCP messages on UDP port 546",
                "UDP destination port 546", f"port {exact.dport}")
        require(inner in client.received,
                "RFC 9915 19.2: the message reaches the client (its kernel hands it to the socket on port 546)",
                "the client's UDP socket received it", "it did not (bad checksum or addressing)")
        delivered.append(f"{server} +{exact.time - reply.time:.3f} s")
    lab.record("delivered", ", ".join(delivered))


@case("R-IFACE-ID", rfc=["RFC 9915 19.2", "RFC 9915 21.18", "RFC 9915 19.1.1", "RFC 3315 20.2"], level=MUST,
      role="relay")
def test_reply_leaves_on_the_clients_link(lab):
    """With clients on two links, each answer leaves on its client's link (by Interface-Id, else link-address).

    RFC 9915 19.2: "If the Relay-reply message includes an Interface-Id option (see Section 21.18), the relay agent
    relays the message from the server to the client on the link identified by the Interface-Id option. Otherwise,
    if the link-address field is not set to 0, the relay agent relays the message on the link identified by the
    link-address field."
    RFC 9915 21.18: "If a relay agent receives a Relay-reply message with an Interface-Id option, the relay agent
    relays the message to the client through the interface identified by the option."
    RFC 9915 19.1.1: "If the relay agent cannot use the address in the link-address field to identify the interface
    through which the response to the client will be relayed, the relay agent MUST include an Interface-Id option
    (see Section 21.18) in the Relay-forward message."
    """
    lab.server()  # one destination: forwarding to all of them is R-FWD-ALL's
    clients = [lab.client(), lab.client(link=SECOND_CLIENT)]
    lab.start_dut()
    solicits = [lab.arrived(c.send(c.message(SOLICIT)), link=c.port.link) for c in clients]
    identified = []
    for client, solicit in zip(clients, solicits):
        own = client.port.link
        other = next(link for link in lab.client_links if link != own)
        for reply in _answers(lab, solicit):
            interface_id = reply.option(OPT_INTERFACE_ID)
            by = f"Interface-Id {interface_id!r}" if interface_id is not None else f"link-address {reply.link_address}"
            identified.append(f"{own}: {by}")
            here, there = lab.delivered(reply, own), lab.delivered(reply, other)
            requirement = ("RFC 9915 19.2/21.18: the relay relays the message on the link the Interface-Id option "
                           "identifies (without one, on the link named by link-address)")
            expected = f"{_sender(lab, reply)}'s answer to the client on {own} sent on {own} only ({by})"
            require(bool(here), requirement, expected,
                    f"not sent on {own}" + (f"; sent on {other}" if there else ""))
            require(not there, requirement, expected, f"also sent on {other}")
    lab.record("identified_by", "; ".join(sorted(set(identified))))

"""Relay chains: a Relay-forward from a downstream relay is wrapped once more with hop-count + 1 and its answer goes
back down to that relay; a Relay-forward that has reached HOP_COUNT_LIMIT is discarded.

HOP_COUNT_LIMIT is 8 in RFC 9915 and RFC 8415 (section 7.6) and was 32 in RFC 3315 (section 5.5): R-HOP-LIMIT
judges against the profile's reference ([timing] rfc) and records what the relay did with hop-counts 8 to 32.
"""
from conformance.caseinfo import MUST, case
from conformance.peers.client import message, next_xid
from conformance.relaybed import CLIENT
from conformance.verdict import precondition, require
from conformance.wire.constants import OPT_RELAY_MSG, SERVER_PORT, SOLICIT
from conformance.wire.duid import duid_ll

RFC3315_LIMIT = 32      # RFC 3315 5.5: the highest limit any reference has
REMOTE_CLIENT = duid_ll("02:00:5e:00:53:0d")  # the client behind the downstream relay


def _remote_solicit() -> bytes:
    return message(SOLICIT, next_xid(), REMOTE_CLIENT)


def _spans(numbers: list[int]) -> str:
    """8, 9, 10, 12 -> '8..10, 12'."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}..{b}" if a != b else f"{a}" for a, b in spans) or "none"


@case("R-CHAIN", rfc=["RFC 9915 19.1", "RFC 9915 19.1.2", "RFC 9915 19.2", "RFC 9915 19.4", "RFC 9915 7.2",
                      "RFC 3315 20.1.2"], level=MUST, role="relay")
def test_relay_forward_from_a_relay(lab):
    """A downstream relay's Relay-forward goes up wrapped again with hop-count + 1; the answer goes back down to it.

    RFC 9915 19.1: "A relay agent relays both messages from clients and Relay-forward messages from other relay
    agents."
    RFC 9915 19.1.2: "The relay agent copies the source address from the IP datagram in which the message was
    received into the peer-address field in the Relay-forward message and sets the hop-count field to the value of
    the hop-count field in the received message incremented by 1."
    "If the source address from the IP datagram header of the received message is a globally scoped unicast address
    (i.e., GUA or ULA), the relay agent sets the link-address field to 0"
    RFC 9915 19.4: "Each relay is allowed to insert additional options on the encapsulation level it added but MUST
    NOT change anything in the message being encapsulated."
    RFC 9915 19.2: "The relay agent extracts the message from the Relay Message option and relays it to the address
    contained in the peer-address field of the Relay-reply message. Relay agents MUST NOT modify the message."
    "If the relay agent receives a Relay-reply message, it MUST process the message as defined above, regardless of
    the type of message encapsulated in the Relay Message option."
    RFC 9915 7.2: "Servers and relay agents MUST listen for DHCP messages on UDP port 547."
    """
    servers = [lab.server()]  # one destination: forwarding to all of them is R-FWD-ALL's
    relay = lab.downstream_relay()
    lab.start_dut()
    sent = lab.arrived(relay.forward(_remote_solicit(), hop_count=1))
    lab.settle(sent, hops=2)
    forwards = [f for server in servers for f in lab.relay_forwards(sent, to=server.address)[:1]]
    lab.record("relay_forward", ", ".join(f"hop-count {f.hop_count} link-address {f.link_address} peer-address "
                                          f"{f.peer_address}" for f in forwards[:1]),
               f"hop-count {sent.hop_count + 1} link-address :: peer-address {relay.address}")
    for server in servers:
        forwards = lab.relay_forwards(sent, to=server.address)
        require(bool(forwards), "RFC 9915 19.1: a relay relays Relay-forward messages from other relay agents",
                f"a Relay-forward to {server.address}", "none")
        f, where = forwards[0], f"the Relay-forward to {server.address}"
        require(f.hop_count == sent.hop_count + 1, "RFC 9915 19.1.2: hop-count is the received hop-count incremented "
                                                   "by 1", f"hop-count {sent.hop_count + 1}",
                f"{where}: hop-count {f.hop_count}")
        require(f.peer_address == relay.address, "RFC 9915 19.1.2: the datagram's source address goes into "
                                                 "peer-address", f"peer-address {relay.address}",
                f"{where}: {f.peer_address}")
        require(f.option(OPT_RELAY_MSG) == sent.payload, "RFC 9915 19.4: a relay MUST NOT change anything in the "
                                                         "packet being encapsulated",
                f"the downstream relay's {len(sent.payload)} bytes in the Relay Message option",
                f"{where}: other bytes")
    replies = lab.relay_replies(sent)
    precondition(bool(replies), "a fake server's Relay-reply reached the relay, to be relayed back down")
    for reply in replies:
        inner = reply.option(OPT_RELAY_MSG)
        down = lab.delivered(reply, CLIENT)
        require(bool(down), "RFC 9915 19.2: the relay relays the message in the Relay Message option (here a "
                            "Relay-reply) to the address in peer-address",
                f"a Relay-reply to {relay.address} on the client link", "none")
        exact = next((d for d in down if d.payload == inner), None)
        require(exact is not None, "RFC 9915 19.2: Relay agents MUST NOT modify the message",
                f"the {len(inner)} bytes of the inner Relay-reply", f"{len(down[0].payload)} other bytes")
        require(exact.dst == relay.address and exact.dport == SERVER_PORT,
                "RFC 9915 19.2/7.2: relayed to the downstream relay's address (peer-address), port 547",
                f"to [{relay.address}]:{SERVER_PORT}", f"to [{exact.dst}]:{exact.dport}")
        require(inner in relay.received, "RFC 9915 19.2: the Relay-reply reaches the downstream relay",
                "the downstream relay's socket on port 547 received it", "it did not")
    for f in forwards:  # last: the server does not use it (it takes the innermost link-address), yet it is stated
        require(f.link_address == "::", "RFC 9915 19.1.2: from a global source address, link-address is set to 0",
                "link-address ::", f"the Relay-forward to {f.dst}: {f.link_address}")


@case("R-HOP-LIMIT", rfc=["RFC 9915 19.1.2", "RFC 9915 7.6", "RFC 3315 20.1.2", "RFC 3315 5.5"], level=MUST,
      role="relay")
def test_hop_count_limit(lab):
    """A Relay-forward whose hop-count has reached HOP_COUNT_LIMIT is discarded; one below it is relayed.

    RFC 9915 19.1.2: "If the message received by the relay agent is a Relay-forward message and the hop-count value
    in the message is greater than or equal to HOP_COUNT_LIMIT, the relay agent discards the received message."
    RFC 9915 7.6: "HOP_COUNT_LIMIT | 8 | Max hop count in a Relay-forward message"
    RFC 3315 5.5: "HOP_COUNT_LIMIT  32       Max hop count in a Relay-forward message"
    (Judged against the profile's reference, RFC 9915 unless [timing] rfc says otherwise; the verdict records which
    hop-counts up to 32 the relay still relayed.)
    """
    limit = lab.reference.hop_count_limit
    lab.server()
    relay = lab.downstream_relay()
    lab.start_dut()

    def send(hop_count: int):
        return lab.arrived(relay.forward(_remote_solicit(), hop_count=hop_count))

    below = send(limit - 1)
    at_or_above = {h: send(h) for h in range(limit, RFC3315_LIMIT + 1)}
    alive = send(0)
    lab.settle(alive)
    precondition(bool(lab.relay_forwards(alive)), "the relay relayed a Relay-forward with hop-count 0 from a "
                                                  "downstream relay (R-CHAIN judges that): else there is no limit "
                                                  "to judge")
    relayed = [h for h, m in at_or_above.items() if lab.relay_forwards(m)]
    lab.record("relayed_hop_counts", _spans(relayed), f"none of {limit}..{RFC3315_LIMIT}")
    rfc3315 = limit < RFC3315_LIMIT and relayed == list(range(limit, RFC3315_LIMIT))
    require(not relayed, f"RFC 9915 19.1.2/7.6: a Relay-forward with hop-count >= HOP_COUNT_LIMIT ({limit} in "
                         f"{lab.reference.name}) is discarded",
            f"hop-counts {limit}..{RFC3315_LIMIT} discarded",
            f"relayed hop-counts {_spans(relayed)}" + (" (RFC 3315's limit of 32)" if rfc3315 else ""))
    require(bool(lab.relay_forwards(below)), f"RFC 9915 19.1: a Relay-forward below HOP_COUNT_LIMIT ({limit}) is "
                                             "relayed", f"hop-count {limit - 1} relayed", "discarded")

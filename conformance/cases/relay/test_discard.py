"""What a relay must not pass upstream, and what must not stop it: server messages arriving from the client side,
and malformed messages.

Each case ends with a valid client message: silence about the others only counts once the relay is shown to relay.
"""
from conformance.caseinfo import MUST, case
from conformance.verdict import precondition, require
from conformance.wire import codec
from conformance.wire.constants import ADVERTISE, RECONFIGURE, RELAY_FORW, RELAY_REPL, REPLY, SERVER_PORT, SOLICIT
from conformance.relaybed import CLIENT
from conformance.peers.client import next_xid


@case("R-NO-SERVER-MSG", rfc=["RFC 9915 16.3", "RFC 9915 16.10", "RFC 9915 16.11", "RFC 9915 19.2",
                              "RFC 9915 19.1"], level=MUST, role="relay")
def test_server_messages_are_not_relayed_upstream(lab):
    """Advertise, Reply, Reconfigure and Relay-reply messages arriving from the client side are not relayed upstream.

    RFC 9915 16.3: "Servers and relay agents MUST discard any received Advertise messages."
    RFC 9915 16.10: "Servers and relay agents MUST discard any received Reply messages."
    RFC 9915 16.11: "Servers and relay agents MUST discard any received Reconfigure messages."
    RFC 9915 19.2: "If the relay agent receives a Relay-reply message, it MUST process the message as defined above,
    regardless of the type of message encapsulated in the Relay Message option."
    RFC 9915 19.1: "When a relay agent receives a Relay-forward message, a recognized message type for which it is
    not the intended target, or an unrecognized message type [RFC7283], it constructs a new Relay-forward message."
    (A relay is the intended target of a Relay-reply: it processes it as section 19.2 says, never relays it up.)
    """
    lab.server()  # one destination: forwarding to all of them is R-FWD-ALL's
    client = lab.client()
    lab.start_dut()
    rogue = [client.message(msg_type) for msg_type in (ADVERTISE, REPLY, RECONFIGURE)]
    rogue.append(codec.encode_relay(RELAY_REPL, 0, lab.address(CLIENT), client.address,
                                    [codec.relay_msg(client.message(ADVERTISE))]))
    sent = [lab.arrived(client.send(payload, sport=SERVER_PORT)) for payload in rogue]
    valid = lab.arrived(client.send(client.message(SOLICIT)))
    lab.settle(valid)
    precondition(bool(lab.forwards(valid)), "the relay relayed a valid Solicit sent after the server messages "
                                            "(silence about them tells nothing otherwise; R-FWD-ALL judges relaying)")
    leaked = [m.name for m in sent if lab.forwards(m)]
    lab.record("relayed_upstream", ", ".join(leaked) or "none", "none")
    require(not leaked, "RFC 9915 16.3/16.10/16.11: relay agents MUST discard received Advertise, Reply and "
                        "Reconfigure messages; 19.2: a Relay-reply is processed, not relayed",
            f"none of {', '.join(m.name for m in sent)} on the upstream link", f"relayed {', '.join(leaked)}")


def _malformed() -> dict[str, bytes]:
    """Messages a relay cannot make sense of, each with bytes of its own."""
    return {
        "empty": b"",
        "1 byte": bytes([SOLICIT]),
        "3 bytes": bytes([SOLICIT, 0, 0]),
        "truncated option header": codec.encode(SOLICIT, next_xid(), []) + b"\x00\x01\x00",
        "option longer than the message": codec.encode(SOLICIT, next_xid(), []) + b"\x00\x01\x00\x50abc",
        "Relay-forward shorter than 34 bytes": bytes([RELAY_FORW, 1]) + bytes(20),
        "Relay-forward with a broken Relay Message option": codec.encode_relay(RELAY_FORW, 2, "::", "fe80::1", [])
        + b"\x00\x09\x01\x00abc",
    }


@case("R-MALFORMED", rfc=["RFC 9915 19.1"], level=MUST, role="relay")
def test_malformed_messages_do_not_stop_relaying(lab):
    """Truncated and malformed messages do not stop the relay: the next client message is still relayed.

    RFC 9915 19.1: "A relay agent relays both messages from clients and Relay-forward messages from other relay
    agents."
    (Whether the malformed messages themselves are relayed is recorded, not judged. One destination: relaying to
    all of them is R-FWD-ALL's requirement. A relay that crashes on them FAILs here with the signal in the verdict.)
    """
    server = lab.server()
    client = lab.client()
    lab.start_dut()
    bad = {name: lab.arrived(client.send(payload)) for name, payload in _malformed().items()}
    valid = lab.arrived(client.send(client.message(SOLICIT)))
    lab.settle(valid)
    lab.record("malformed_relayed", ", ".join(name for name, m in bad.items() if lab.forwards(m)) or "none")
    require(bool(lab.relay_forwards(valid, to=server.address)),
            "RFC 9915 19.1: a relay relays messages from clients; malformed ones before must not stop it",
            f"the Solicit sent after {len(bad)} malformed messages relayed to {server.address}", "not relayed")

"""Servers failing as real deployments see them: a pool that ran out, an Advertise that arrives twice, a server that
throttles Solicits with SOL_MAX_RT, a server that lost its lease state and answers NoBinding, and the identical
model's need for every server to see every Request (RFC 9915 sections 18.2.1, 18.2.9, 18.2.10.1, 21.24; RFC 6853
sections 6 and 7).

Times are kernel capture timestamps on the DUT's bridge port; `tolerance` is the profile's timing tolerance.
"""
import pytest

from conformance.caseinfo import MUST, case
from conformance.servers.models import all_models
from conformance.testbed import CAPTURE_SLACK
from conformance.servers.script import Lifetimes
from conformance.verdict import ambiguous, precondition, prerequisite, require, require_server, seconds
from conformance.wire import constants as c
from conformance.wire.timing import RAND, RFC9915, Window

from . import test_server_selection as selection
from .test_prefix_delegation import require_ia_pd
from .test_renew_rebind import DAD_ALLOWANCE, record_service

SOL = RFC9915["SOLICIT"]
IDENTICAL = all_models()["identical"]
DUPLICATE_WATCH = 1.5  # seconds after the first Request in which a second exchange would begin (one Request RT)
THROTTLE = 60  # SOL_MAX_RT the servers send: the smallest RFC 9915 21.24 allows, so the cap shows soonest
# RT7 (between Solicits 7 and 8) may still be below the cap uncapped (2 x 32 s - 10 %); RT8 is at least
# 1.9^7 x IRT = 89 s when uncapped, well above 1.1 x 60 s: the first RT whose cap is visible on every client.
CAPPED_RT = 8
RESOLICIT_ALLOWANCE = 1.0 + 1.1 * SOL.irt  # after expiry: SOL_MAX_DELAY, then one Solicit RT (as C-RESOLICIT-EXPIRY)
NOBINDING_LIFETIMES = Lifetimes(t1=3, t2=8, preferred=10, valid=12)  # T1 to T2 leaves 5 s for the Request
EXHAUSTED = {"pool": None, "pd_pool": None}  # a server whose pools ran out: NoAddrsAvail / NoPrefixAvail
IGNORE_RULE = ('RFC 9915 18.2.9: "The client MUST ignore any Advertise message that contains no addresses (IA '
               'Address options (see Section 21.6) encapsulated in IA_NA options (see Section 21.4)) and no '
               'delegated prefixes (IA Prefix options (see Section 21.22) encapsulated in IA_PD options (see '
               'Section 21.21))"')



def _requests_from_the_server_that_has_leases(lab):
    """The preference-255 server's pools have run out; the other one, preference 10 and 0.1 s later, has leases."""
    full = lab.server(preference=10, advertise_delay=0.1)
    empty = lab.server(preference=255, **EXHAUSTED)
    lab.start_dut()
    solicit = lab.first_solicit()
    advert = selection.advertise_from(lab, empty, solicit, within=SOL.irt - lab.tolerance)
    precondition(not any(ia.leases for ia in advert.ias), f"{empty.described} advertised no leases")
    selection.advertise_from(lab, full, solicit, within=SOL.irt - lab.tolerance)
    request = selection.first_request(lab, solicit)
    lab.record("request_server", lab.named(request), f"Request to {full.described}")
    require_server(request, full, lab.servers, f"{IGNORE_RULE}: the Advertise of {empty.described} carried "
                                               "NoAddrsAvail/NoPrefixAvail and no lease, so only the other server's "
                                               "can be chosen")


@pytest.mark.behind_relay
@case("C-ADV-NOADDRS", rfc=["RFC 9915 18.2.9", "RFC 9915 18.2.1", "RFC 6853 6.1"], level=MUST, requires=("ia_na",))
def test_advertise_without_addresses_is_ignored(lab):
    """A preference-255 Advertise whose server has no address left (NoAddrsAvail) is ignored: the client Requests
    from the server that advertised an address.

    RFC 9915 18.2.9: "The client MUST ignore any Advertise message that contains no addresses (IA Address options
    (see Section 21.6) encapsulated in IA_NA options (see Section 21.4)) and no delegated prefixes (IA Prefix options
    (see Section 21.22) encapsulated in IA_PD options (see Section 21.21)), with the exception that the client: MUST
    process an included SOL_MAX_RT option and MUST process an included INF_MAX_RT option."
    RFC 6853 6.1: in the split model each server allocates from its own part of the prefix, so one server's pool
    can run out while the other's has addresses.
    """
    _requests_from_the_server_that_has_leases(lab)


@pytest.mark.behind_relay
@case("C-PD-ADV-NOPREFIX", rfc=["RFC 9915 18.2.9", "RFC 9915 18.2.1", "RFC 3633 11.1"], level=MUST,
      requires=("ia_pd",))
def test_advertise_without_prefixes_is_ignored(lab):
    """A preference-255 Advertise whose delegating router has no prefix left (NoPrefixAvail) is ignored: the
    requesting router Requests from the one that advertised a prefix.

    RFC 9915 18.2.9: "The client MUST ignore any Advertise message that contains no addresses (IA Address options
    (see Section 21.6) encapsulated in IA_NA options (see Section 21.4)) and no delegated prefixes (IA Prefix options
    (see Section 21.22) encapsulated in IA_PD options (see Section 21.21))".
    """
    _requests_from_the_server_that_has_leases(lab)
    require_ia_pd(lab, c.REQUEST)


@pytest.mark.behind_relay
@case("C-ADV-DUPLICATE", rfc=["RFC 9915 18.2.1", "RFC 9915 15", "RFC 6853 5.2"], level=MUST, requires=("ia_na",))
def test_duplicate_advertise_gets_one_request(lab):
    """The same preference-255 Advertise arrives twice, 5 ms apart (directly and through a relay): the client
    begins one Request exchange, with that server.

    RFC 9915 18.2.1: "If the client receives a valid Advertise message that includes a Preference option with a
    preference value of 255, the client immediately begins a client-initiated message exchange (as described in
    Section 18.2.2) by sending a Request message to the server from which the Advertise message was received."
    RFC 9915 15: "The client retransmits the message with the same transaction-id".
    RFC 6853 5.2: relays "relay DHCPv6 messages to more than one destination", so one server's answer can reach a
    client more than once.
    """
    top = lab.server(preference=255, advertise_copies=2)
    lab.start_dut()
    solicit = lab.first_solicit()
    lab.wait_until(solicit.time + SOL.irt - lab.tolerance)
    copies = lab.received(c.ADVERTISE, after=solicit, until=solicit.time + SOL.irt - lab.tolerance, sender=top)
    precondition(len(copies) >= 2, f"{top.described} delivered its Advertise twice within the first RT")
    request = selection.first_request(lab, solicit)
    require_server(request, top, lab.servers, "RFC 9915 18.2.1: the Request goes to the server whose Advertise had "
                                              "preference 255")
    lab.wait_until(request.time + DUPLICATE_WATCH)
    others = [r for r in lab.sent(c.REQUEST, after=solicit) if r.xid != request.xid]
    lab.record("request_exchanges", str(1 + len({r.xid for r in others})), "1")
    ambiguous(True, not others, "RFC 9915 18.2.1: on the preference-255 Advertise the client begins a Request "
                                "exchange with that server",
              ("a second copy of the Advertise is a second valid Advertise received, and the text does not say the "
               "client ignores it", "\"immediately begins a client-initiated message exchange\": one exchange, whose "
               "retransmissions keep its transaction-id (RFC 9915 15)"),
              f"one Request exchange (transaction-id 0x{request.xid:06x}) within {DUPLICATE_WATCH:.1f} s",
              f"a second Request with transaction-id 0x{others[0].xid:06x}, "
              f"{seconds(others[0].time - request.time)} from the first" if others else "")


@case("C-SOL-MAX-RT", rfc=["RFC 9915 21.24", "RFC 9915 18.2.9", "RFC 9915 15", "RFC 9915 18.2.1"], level=MUST,
      requires=("ia_na",))
def test_sol_max_rt_caps_solicit_retransmission(lab):
    """A server whose pool ran out advertises SOL_MAX_RT = 60 s: when the client next Solicits, its RT stops
    growing at 60 s (+- RAND).

    RFC 9915 21.24: "A DHCP client MUST ignore any SOL_MAX_RT option values that are less than 60 or more than
    86400. If the DHCP client receives a message containing a SOL_MAX_RT option that has a valid value for
    SOL_MAX_RT, the client MUST set its internal SOL_MAX_RT parameter to the value contained in the SOL_MAX_RT
    option. This value of SOL_MAX_RT is then used by the retransmission mechanism defined in Sections 15 and
    18.2.1."
    RFC 9915 18.2.9: the client ignores an Advertise with no addresses and no delegated prefixes "with the exception
    that the client: MUST process an included SOL_MAX_RT option".
    RFC 9915 15: "if (MRT != 0) and (RT > MRT): RT = MRT + RAND*MRT".
    (Whether "then used" reaches the Solicit exchange already under way when the option arrives, or only the next
    one, the text leaves open; so the client learns the value in one exchange and is judged in the next: it gets
    an address from the other server, which then fails, and Solicits again when its lease has run out.)
    """
    throttler = lab.server(preference=None, sol_max_rt=THROTTLE, ignores=frozenset({c.REBIND}), **EXHAUSTED)
    # The giver answers 0.3 s after the throttler, so the throttler's Advertise is in hand before any choice: a
    # client that Requests on the first Advertise it may use never races the option it must process.
    giver = lab.server(preference=None, advertise_delay=0.3, lifetimes=lab.lifetimes())
    binding = lab.bind()
    giver.silence()
    precondition(bool(lab.received(c.ADVERTISE, until=binding.request.time, sender=throttler)),
                 f"{throttler.name}'s Advertise with SOL_MAX_RT {THROTTLE} (and no address) reached the DUT before "
                 "its Request")
    lab.record("oro_sol_max_rt", "yes" if c.OPT_SOL_MAX_RT in binding.request.requested else "no",
               "yes (RFC 9915 21.24 asks a client to request it)")
    valid = max(l.valid for ia in binding.reply.ias for l in ia.leases)
    window = valid + RESOLICIT_ALLOWANCE + lab.tolerance
    solicit = lab.expect(c.SOLICIT, after=binding.reply, within=window)
    prerequisite(solicit is not None, f"the DUT did not Solicit again within {window:.1f} s of its Reply, when "
                                      "its lease had run out", "C-RESOLICIT-EXPIRY")
    capped = Window(THROTTLE * (1 - RAND), THROTTLE * (1 + RAND))
    high = capped.high + lab.tolerance
    solicits = [solicit]
    while len(solicits) <= CAPPED_RT:
        nxt = lab.expect(c.SOLICIT, after=solicits[-1], within=high + 1.0)
        if nxt is None:
            break
        solicits.append(nxt)
    rts = [b.time - a.time for a, b in zip(solicits, solicits[1:])]
    lab.record("solicits", ", ".join(f"{i + 1} +{m.time - solicit.time:.3f} s" for i, m in enumerate(solicits)))
    lab.band(f"RT capped: SOL_MAX_RT {THROTTLE} s +- RAND after the last Solicit", solicits[-1].time + capped.low,
             solicits[-1].time + capped.high)
    requirement = (f"RFC 9915 21.24/15: with SOL_MAX_RT {THROTTLE} s from a server, RT = MRT + RAND*MRT once past "
                   "MRT")
    over = next((i for i, rt in enumerate(rts) if rt > high), None)
    if over is not None:
        require(False, requirement, f"every RT at most {high:.3f} s (1.1 x {THROTTLE} s + tolerance)",
                f"RT {over + 1} was {seconds(rts[over])} (Solicit {over + 2} at "
                f"+{solicits[over + 1].time - solicit.time:.3f} s)")
    require(len(rts) >= CAPPED_RT, requirement, f"every RT at most {high:.3f} s (1.1 x {THROTTLE} s + tolerance)",
            f"no Solicit {len(solicits) + 1} within {high + 1.0:.1f} s of Solicit {len(solicits)} "
            f"(+{solicits[-1].time - solicit.time:.3f} s)")
    require(capped.low - lab.tolerance <= rts[CAPPED_RT - 1], requirement,
            f"RT {CAPPED_RT} in [{capped.low - lab.tolerance:.3f}, {high:.3f}] s", seconds(rts[CAPPED_RT - 1]))


def _nobinding_then_request(lab, binding, reply_kind: str, window_end: float, requirement: str):
    """After the server's NoBinding Reply (to the DUT's Renew or Rebind), the DUT's Request to that server, for the
    IA, before `window_end`."""
    kind = c.RENEW if reply_kind == "Renew" else c.REBIND
    message = lab.expect(kind, after=binding.reply, within=window_end - binding.at)
    prerequisite(message is not None, f"the DUT sent no {reply_kind} while its lease lasted",
                 "C-RENEW-T1" if kind == c.RENEW else "C-REBIND-T2")
    reply = lab.answer(message, binding.server, 2.0, judged_by="C-RENEW-T1" if kind == c.RENEW else "C-REBIND-T2")
    precondition(any(ia.status == c.STATUS_NO_BINDING for ia in reply.ias),
                 f"{binding.server.name} answered the {reply_kind} with NoBinding")
    # The capture's slack is taken off the window, so a Request that follows a Solicit at the lease's end is not
    # mistaken for one sent while the lease lasted.
    within = window_end - reply.time - CAPTURE_SLACK
    request = lab.require_sent(c.REQUEST, reply, within, requirement,
                               f"a Request to {binding.server.described} within {within:.1f} s of the NoBinding Reply")
    lab.record("request_after_nobinding", seconds(request.time - reply.time))
    require_server(request, binding.server, lab.servers, requirement)
    wanted = {(ia.kind, ia.iaid) for ia in binding.reply.ias if ia.leases}
    carried = {(ia.kind, ia.iaid) for ia in request.ias}
    require(wanted <= carried, f"{requirement}: \"The client places IA options in this message for all IAs\"",
            "IA " + ", ".join(f"{k.upper()} {i}" for k, i in sorted(wanted)),
            "IA " + (", ".join(f"{k.upper()} {i}" for k, i in sorted(carried)) or "none"))
    answer = lab.answer(request, binding.server, 2.0)
    lab.record("bound_again", "yes" if any(l.valid for ia in answer.ias for l in ia.leases) else "no")
    restart = [m for m in lab.sent(c.SOLICIT, after=reply) if m.time < request.time]
    ambiguous(True, not restart, requirement,
              ("the client's answer to NoBinding is a Request to the server that responded; a Request that ends a "
               "new Solicit exchange with that server is one", "the client \"Sends a Request message to the server "
               "that responded\": it does not start over with a Solicit"),
              "a Request, with no Solicit before it",
              f"a Solicit {seconds(restart[0].time - reply.time)} after the NoBinding Reply (a new exchange), then "
              f"the Request {seconds(request.time - reply.time)} after it" if restart else "")


NOBINDING_RULE = ('RFC 9915 18.2.10.1: "When the client receives a Reply message in response to a Renew or Rebind '
                  'message, the client: Sends a Request message to the server that responded if any of the IAs in '
                  'the Reply message contain the NoBinding status code."')


@case("C-RENEW-NOBINDING", rfc=["RFC 9915 18.2.10.1", "RFC 9915 18.3.4", "RFC 6853 7"], level=MUST,
      requires=("ia_na",))
def test_renew_answered_nobinding_gets_a_request(lab):
    """The granting server lost its lease state and answers the Renew with NoBinding: the client sends that server
    a Request for the IA (and is bound again).

    RFC 9915 18.2.10.1: "When the client receives a Reply message in response to a Renew or Rebind message, the
    client: Sends a Request message to the server that responded if any of the IAs in the Reply message contain
    the NoBinding status code. The client places IA options in this message for all IAs. The client continues to
    use other bindings for which the server did not return an error."
    RFC 9915 18.3.4: "If the server cannot find a client entry for the IA, the server returns the IA containing no
    leases with a Status Code option set to NoBinding in the Reply message."
    """
    lab.server(preference=255, lifetimes=lab.lifetimes(NOBINDING_LIFETIMES))
    binding = lab.bind()
    binding.server.forget()
    t2 = next(ia.t2 for ia in binding.reply.ias if ia.leases)
    _nobinding_then_request(lab, binding, "Renew", binding.at + t2 + lab.tolerance, NOBINDING_RULE)


@case("C-REBIND-NOBINDING", rfc=["RFC 9915 18.2.10.1", "RFC 9915 18.3.5", "RFC 6853 7"], level=MUST,
      requires=("ia_na",))
def test_rebind_answered_nobinding_gets_a_request(lab):
    """No server answers the Renew; at T2 a server without the client's binding answers the Rebind with
    NoBinding: the client sends that server a Request for the IA.

    RFC 9915 18.2.10.1: "When the client receives a Reply message in response to a Renew or Rebind message, the
    client: Sends a Request message to the server that responded if any of the IAs in the Reply message contain
    the NoBinding status code. The client places IA options in this message for all IAs."
    RFC 9915 18.3.5: a server that cannot find a client entry for the IA and does not create one returns the IA
    with the NoBinding status.
    """
    lab.server(preference=255, lifetimes=lab.lifetimes(NOBINDING_LIFETIMES), ignores=frozenset({c.RENEW}),
               rebind_creates=False)
    binding = lab.bind()
    binding.server.forget()
    valid = max(l.valid for ia in binding.reply.ias for l in ia.leases)
    _nobinding_then_request(lab, binding, "Rebind", binding.at + valid - lab.tolerance, NOBINDING_RULE)


@case("C-REQUEST-MULTICAST", rfc=["RFC 9915 14", "RFC 9915 18.2.2", "RFC 9915 18.2.4", "RFC 6853 7"], level=MUST,
      requires=("ia_na",))
def test_request_and_renew_go_to_every_server(lab):
    """In the identical model the client's Request and Renew go to All_DHCP_Relay_Agents_and_Servers, so every
    server sees them; only the one named in the Server ID answers.

    RFC 9915 14: "a client sends DHCP messages to the All_DHCP_Relay_Agents_and_Servers multicast address" (RFC
    9915 has no Server Unicast option).
    RFC 6853 7: "It is expected that both servers will receive each incoming REQUEST message. Usually no special
    action is required to achieve this as REQUEST messages are sent to multicast address by directly connected
    clients. [...] The client indicates chosen server by including its DUID in Server-ID option. The chosen server
    assigns the address and other configuration options, while the other server discards the incoming request."
    """
    lab.model_servers(IDENTICAL, lab.lifetimes())
    binding = lab.bind()
    t1 = next(ia.t1 for ia in binding.reply.ias if ia.leases)
    renew = lab.expect(c.RENEW, after=binding.reply, within=t1 + lab.tolerance + 1.0)
    prerequisite(renew is not None, f"the DUT sent no Renew by T1 = {t1} s", "C-RENEW-T1")
    others = [s for s in lab.servers if s is not binding.server]
    for message in (binding.request, renew):
        lab.record(f"{message.name.lower()}_destination", message.dst, c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS)
        require(message.dst == c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
                f"RFC 9915 14 / RFC 6853 7: the {message.name.title()} goes to All_DHCP_Relay_Agents_and_Servers, "
                "so every server of the identical model receives it",
                f"{message.name.title()} to {c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS}",
                f"{message.name.title()} to {message.dst} ({lab.named(message)})")
    lab.answer(renew, lab.server_named_by(renew) or binding.server, 2.0, judged_by="C-RENEW-T1")
    precondition(not any(lab.received(c.REPLY, after=binding.request, sender=s) for s in others),
                 "the server not named in the Server ID stayed silent")


@case("C-SERVER-RESTART", rfc=["RFC 9915 18.2.5", "RFC 9915 18.2.4", "RFC 9915 16.6", "RFC 6853 7"], level=MUST,
      requires=("ia_na",))
def test_server_restarted_with_a_new_duid(lab):
    """The granting server restarts while the client is bound, with no lease state and a new DUID: the Renew
    naming its old DUID goes unanswered, the Rebind at T2 is answered, and the client keeps its address and
    Renews with the new DUID.

    RFC 9915 18.2.5: "At time T2 (which will only be reached if the server to which the Renew message was sent
    starting at time T1 has not responded), the client initiates a Rebind/Reply message exchange with any available
    server."
    RFC 9915 16.6: "Servers MUST discard any received Renew message that meets any of the following conditions:
    [...] the message contains a Server Identifier option and the contents of the Server Identifier option do not
    match the server's identifier."
    RFC 9915 18.2.4: "The client MUST include a Server Identifier option (see Section 21.3) in the Renew message,
    identifying the server with which the client most recently communicated."
    RFC 6853 7: "In case of a failure of one server, the other server will assign the same address by following
    the same algorithm and the same policy." (Here the same server, restarted, takes the address up again.)
    """
    server = lab.server(preference=255, lifetimes=lab.lifetimes())
    binding = lab.bind()
    old_duid = server.duid
    server.restart()
    address = binding.addresses[0]
    lab.require_in_use(address, binding.at, DAD_ALLOWANCE + lab.tolerance)
    t2 = next(ia.t2 for ia in binding.reply.ias if ia.leases)
    valid = max(l.valid for ia in binding.reply.ias for l in ia.leases)
    rebind = lab.expect(c.REBIND, after=binding.reply, within=valid)
    prerequisite(rebind is not None, "the DUT sent no Rebind while its lease lasted", "C-REBIND-T2")
    reply = lab.answer(rebind, server, 2.0, judged_by="C-REBIND-T2")
    precondition(any(l.address == address and l.valid for ia in reply.ias for l in ia.leases),
                 f"the restarted {server.name} extended {address} in its Reply to the Rebind")
    usable = lab.usable_at(address, reply.time + DAD_ALLOWANCE + lab.tolerance)
    require(usable is not None, "RFC 9915 18.2.10.1: the client keeps the lease the Reply extended",
            f"the DUT answers Neighbor Solicitations for {address} after the Rebind's Reply", "no answer")
    record_service(lab, binding, None, usable, floor=t2)  # extended before it expired: never lost
    t1 = next(ia.t1 for ia in reply.ias if ia.leases)
    renew = lab.expect(c.RENEW, after=reply, within=t1 + lab.tolerance + 1.0)
    prerequisite(renew is not None, f"the DUT sent no Renew by T1 = {t1} s of the binding the Rebind made",
                 "C-RENEW-T1")
    lab.record("renew_server_id", "the new DUID" if renew.server_id == server.duid else
               "the old DUID" if renew.server_id == old_duid else lab.named(renew))
    require_server(renew, server, lab.servers, "RFC 9915 18.2.4: the Renew names the server with which the client "
                                               "most recently communicated: the restarted server, by its new DUID")

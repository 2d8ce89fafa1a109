"""Lease lifecycle when the server that granted the lease fails: Renew at T1, Rebind at T2 to any server, Solicit
again when the leases run out (RFC 9915 sections 18.2.4, 18.2.5, 18.2.10.1; RFC 6853 sections 6 and 7).

Times count from the Reply that granted the lease, as captured on the DUT's link; T1 and T2 are the values that
Reply carried. Timers are scripted short (never below the profile's min_t2) so the cases cost seconds.
"""
import math

import pytest

from conformance.caseinfo import MUST, case
from conformance.servers.models import all_models
from conformance.servers.script import Lifetimes
from conformance.verdict import ambiguous, observed, prerequisite, require, require_server, seconds
from conformance.wire.constants import ALL_DHCP_RELAY_AGENTS_AND_SERVERS, REBIND, RENEW, REQUEST, SOLICIT
from conformance.wire.timing import RFC9915

MODELS = all_models()
REN = RFC9915["RENEW"]
SOL_MAX_DELAY = 1.0
# RFC 4862 5.4: DupAddrDetectTransmits (1) times RetransTimer (1 s, RFC 4861 10) before an address answers, and a
# second for the DUT to get round to adding it
DAD_ALLOWANCE = 2.0
REB = RFC9915["REBIND"]
SOL = RFC9915["SOLICIT"]
by_model = pytest.mark.parametrize("model", list(MODELS.values()), ids=list(MODELS))


def _ia_times(binding):
    ia = next(ia for ia in binding.reply.ias if ia.leases)
    return ia.t1, ia.t2, max(lease.valid for lease in ia.leases)


def _bound_then_silent(lab, model=MODELS["unique"], others_silent=True, lifetimes=None):
    """Bind to the preferred server of `model`, then silence it (and the others unless told otherwise)."""
    servers = lab.model_servers(model, lifetimes or lab.lifetimes())
    binding = lab.bind()
    for server in servers if others_silent else [binding.server]:
        server.silence()
    return servers, binding


def _require_in_use_where_it_will_end(lab, binding, other) -> None:
    """An address the case will judge gone (one the other server cannot extend) must first be seen in use: a DUT
    that never configured it would pass "gone" for nothing (ERROR instead)."""
    for address in binding.addresses:
        if address not in other.script.pool:
            lab.require_in_use(address, binding.at, within=DAD_ALLOWANCE + lab.tolerance)


def _require_addresses(lab, message, binding, what):
    carried = {lease.address for ia in message.ias for lease in ia.leases}
    missing = [a for a in binding.leases if a not in carried]
    require(not missing, f"RFC 9915 18.2.4: the {what} includes IA Address options for the addresses assigned",
            f"{what} carrying {', '.join(binding.leases)}", f"carries {', '.join(sorted(carried)) or 'no address'}")


def _require_at(lab, message, binding, due: float, name: str) -> None:
    """Sent at T1 (T2). 18.2.4 says both "not later than" (MUST) and "At time T1": a message later than the time
    (plus tolerance) breaks every reading (FAIL), an earlier one only the second (WARN)."""
    at, kind, tolerance = message.time - binding.at, message.name.title(), lab.tolerance
    lab.band(f"{name} +- tolerance: the {kind} is due", binding.at + due - tolerance, binding.at + due + tolerance)
    ambiguous(at <= due + tolerance, at >= due - tolerance,
              f"RFC 9915 18.2.4/18.2.5: the client initiates the {kind} at {name}",
              ('"the client MUST select T1 and T2 times [...] that will guarantee that the client initiates '
               'transmissions of Renew/Rebind messages not later than at the T1/T2 times" (early allowed)',
               f'"At time {name}{" [...]" if name == "T2" else ""}, the client initiates a {kind}/Reply message '
               'exchange" (early not allowed)'),
              f"{kind} {due} s after the Reply (+- {tolerance:.3f} s)",
              f"{kind} {seconds(at)} after the Reply, {seconds(abs(at - due))} "
              f"{'after' if at > due else 'before'} {name}")


@case("C-RENEW-T1", rfc=["RFC 9915 18.2.4", "RFC 3315 18.1.3"], level=MUST, requires=("ia_na",))
def test_renew_at_t1(lab):
    """The client sends Renew at T1 to the server that granted the lease, with its Server ID and the IAs.

    RFC 9915 18.2.4: "the client MUST select T1 and T2 times from all IA options that will guarantee that the
    client initiates transmissions of Renew/Rebind messages not later than at the T1/T2 times associated with any of
    the client's bindings (earliest T1/T2). At time T1, the client initiates a Renew/Reply message exchange to extend
    the lifetimes on any leases in the IA. [...] The client MUST include a Server Identifier option (see Section
    21.3) in the Renew message, identifying the server with which the client most recently communicated. [...] The
    client includes IA Address options (see Section 21.6) within IA_NA (see Section 21.4) [...] for the addresses
    assigned to the IAs."
    """
    lab.model_servers(MODELS["unique"], lab.lifetimes())
    binding = lab.bind()
    t1, _, _ = _ia_times(binding)
    renew = lab.require_sent(RENEW, binding.reply, t1 + lab.tolerance + 1.0,
                             "RFC 9915 18.2.4: at time T1 the client initiates a Renew/Reply exchange",
                             f"Renew at T1 = {t1} s after the Reply")
    lab.record("renew_after_reply", seconds(renew.time - binding.at),
               f"[{t1 - lab.tolerance:.3f}, {t1 + lab.tolerance:.3f}] s")
    _require_at(lab, renew, binding, t1, "T1")
    require_server(renew, binding.server, lab.servers, "RFC 9915 18.2.4: the client MUST include a Server "
                                                       "Identifier option identifying the server with which it most "
                                                       "recently communicated")
    _require_addresses(lab, renew, binding, "Renew")


@case("C-RENEW-MRD", rfc=["RFC 9915 18.2.4", "RFC 9915 15", "RFC 3315 18.1.3"], level=MUST, requires=("ia_na",))
def test_renew_stops_at_t2(lab):
    """While the granting server is silent, Renew retransmissions stop at T2: no Renew goes out after T2.

    RFC 9915 18.2.4: "The client transmits the message according to Section 15, using the following parameters:
    IRT REN_TIMEOUT MRT REN_MAX_RT MRC 0 MRD Remaining time until earliest T2 [...] The message exchange is
    terminated when the earliest time T2 is reached, at which point the client begins the Rebind message exchange
    (see Section 18.2.5)."
    """
    # The valid lifetime outlasts the first Renew retransmission (due at T1 + REN_TIMEOUT + RAND), so a client
    # that ignores MRD shows it before its lease is gone.
    short = lab.lifetimes()
    reach = short.t1 + math.ceil(REN.irt * 1.1 + 2 * lab.tolerance) + 2
    _, binding = _bound_then_silent(lab, lifetimes=Lifetimes(short.t1, short.t2, reach, reach))
    t1, t2, valid = _ia_times(binding)
    # When the Renew comes is C-RENEW-T1's; any Renew before T2 begins the exchange whose end this case judges.
    first = lab.expect(RENEW, after=binding.reply, within=t2 + lab.tolerance)
    prerequisite(first is not None, f"the DUT sent no Renew before T2 = {t2} s, so no Renew exchange began",
                 "C-RENEW-T1")
    # A retransmission the client scheduled before T2 falls due by first + 1.1 REN_TIMEOUT at the latest.
    horizon = min(first.time + REN.irt * 1.1 + lab.tolerance, binding.at + valid) + 0.5
    lab.wait_until(horizon)
    lab.require_running(horizon, "a Renew after T2")
    late = [r for r in lab.sent(RENEW, after=binding.reply) if r.time > binding.at + t2 + lab.tolerance]
    renews = lab.sent(RENEW, after=binding.reply)
    lab.record("renews_after_reply", ", ".join(seconds(r.time - binding.at) for r in renews), f"<= T2 = {t2} s")
    require(not late, "RFC 9915 18.2.4: the Renew exchange is terminated when T2 is reached",
            f"no Renew later than T2 = {t2} s after the Reply (+ {lab.tolerance:.3f} s), watched until "
            f"{horizon - binding.at:.1f} s", f"Renew at {', '.join(seconds(r.time - binding.at) for r in late)}")


@case("C-REBIND-T2", rfc=["RFC 9915 18.2.5", "RFC 9915 18.2.4", "RFC 9915 16.7", "RFC 9915 14",
                          "RFC 3315 18.1.4"], level=MUST, requires=("ia_na",))
def test_rebind_at_t2(lab):
    """With the granting server silent, the client sends Rebind at T2, to All_DHCP_Relay_Agents_and_Servers,
    without a Server ID.

    RFC 9915 18.2.5: "At time T2 (which will only be reached if the server to which the Renew message was sent
    starting at time T1 has not responded), the client initiates a Rebind/Reply message exchange with any available
    server. [...] The client does not include the Server Identifier option (see Section 21.3) in the Rebind message."
    RFC 9915 18.2.4: "the client MUST select T1 and T2 times [...] that will guarantee that the client initiates
    transmissions of Renew/Rebind messages not later than at the T1/T2 times".
    RFC 9915 16.7: "Servers MUST discard any received Rebind messages that [...] do include a Server Identifier
    option". RFC 9915 14: "a client sends DHCP messages to the All_DHCP_Relay_Agents_and_Servers multicast address".
    """
    _, binding = _bound_then_silent(lab)
    _, t2, _ = _ia_times(binding)
    rebind = lab.require_sent(REBIND, binding.reply, t2 + lab.tolerance + 1.0,
                              "RFC 9915 18.2.5: at time T2 the client initiates a Rebind/Reply exchange",
                              f"Rebind at T2 = {t2} s after the Reply")
    lab.record("rebind_after_reply", seconds(rebind.time - binding.at),
               f"[{t2 - lab.tolerance:.3f}, {t2 + lab.tolerance:.3f}] s")
    _require_at(lab, rebind, binding, t2, "T2")
    require(rebind.server_id is None, "RFC 9915 18.2.5: the client does not include the Server Identifier option",
            "Rebind with no Server ID", f"Rebind to {lab.named(rebind)}")
    require(rebind.dst == ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
            "RFC 9915 14: a client sends DHCP messages to All_DHCP_Relay_Agents_and_Servers (RFC 9915 has no Server "
            "Unicast)",
            ALL_DHCP_RELAY_AGENTS_AND_SERVERS, rebind.dst)
    _require_addresses(lab, rebind, binding, "Rebind")


@by_model
@case("C-REBIND-OTHER", rfc=["RFC 9915 18.2.5", "RFC 9915 18.2.10.1", "RFC 9915 18.2.4", "RFC 6853 6",
                             "RFC 6853 7"], level=MUST, requires=("ia_na",))
def test_rebind_answered_by_another_server(lab, model):
    """Another server answers the Rebind; the client ends up bound to it (and drops an address it zeroed).

    RFC 9915 18.2.5: "the client initiates a Rebind/Reply message exchange with any available server."
    RFC 9915 18.2.10.1: the client updates its IAs from the Reply: "Add any new leases in the IA option to the IA as
    recorded by the client. [...] Discard any leases from the IA, as recorded by the client, that have a valid
    lifetime of 0 in the IA Address or IA Prefix option."
    RFC 9915 18.2.4: "The client MUST include a Server Identifier option (see Section 21.3) in the Renew message,
    identifying the server with which the client most recently communicated. [...] The client MUST NOT include
    addresses and prefixes in any IA option that the client did not obtain from the server or that are no longer
    valid (that have a valid lifetime of 0)."
    Identical model: the answering server extends the same address (RFC 6853 section 7). Split and unique models:
    the old address comes back with lifetimes 0, together with a new address from the answering server's pool.
    """
    servers, binding = _bound_then_silent(lab, model, others_silent=False)
    other = next(s for s in servers if s is not binding.server)
    _require_in_use_where_it_will_end(lab, binding, other)
    _, _, valid = _ia_times(binding)
    rebind = lab.expect(REBIND, after=binding.reply, within=valid)
    prerequisite(rebind is not None, "the DUT sent no Rebind before its valid lifetime ended", "C-REBIND-T2")
    reply = lab.answer(rebind, other, 1.0)
    old = set(binding.leases)
    kept = {l.address for ia in reply.ias for l in ia.leases if l.valid > 0}
    zeroed = {l.address for ia in reply.ias for l in ia.leases if l.valid == 0}
    usable = []  # asked from the moment the Reply was seen, so the gap measured is the DUT's, not a wait of ours
    for address in sorted(kept):  # a client doing Duplicate Address Detection answers only once it has finished
        usable.append(lab.usable_at(address, reply.time + DAD_ALLOWANCE + lab.tolerance))
        require(usable[-1] is not None, "RFC 9915 18.2.10.1: the client adds the leases of the Reply to the IA",
                f"the DUT answers Neighbor Solicitations for {address} within {DAD_ALLOWANCE:.0f} s of the Reply "
                "(time for its Duplicate Address Detection)", "no answer")
    # The old address stays usable until the Reply zeroes it (or, the identical model, is extended): the gap is
    # the time the new one takes to answer after that Reply, none where the address was kept.
    record_service(lab, binding, reply.time if zeroed & old else None, max(usable, default=reply.time),
                    floor=next(ia.t2 for ia in binding.reply.ias if ia.leases))
    lab.wait_until(reply.time + 0.3)
    for address in sorted(zeroed & old):
        require(not lab.uses(address), "RFC 9915 18.2.10.1: discard leases with a valid lifetime of 0",
                f"the DUT no longer answers Neighbor Solicitations for {address}", "it still does")
    lab.record("rebind_reply", f"kept {', '.join(sorted(kept)) or '-'}; zeroed {', '.join(sorted(zeroed)) or '-'}")
    t2 = next(ia.t2 for ia in reply.ias if ia.leases)
    # When it Renews is C-RENEW-T1's; whom it Renews with, and what, is this case's.
    renew = lab.expect(RENEW, after=reply, within=t2 + lab.tolerance)
    prerequisite(renew is not None, f"the DUT sent no Renew before T2 = {t2} s of the binding the Rebind made",
                 "C-RENEW-T1")
    require_server(renew, other, lab.servers, "RFC 9915 18.2.4: the Renew names the server with which the client "
                                              "most recently communicated (the one that answered the Rebind)")
    carried = {l.address for ia in renew.ias for l in ia.leases}
    require(kept <= carried and not (zeroed & carried),
            "RFC 9915 18.2.4: the Renew carries the leases the client holds, and MUST NOT carry one whose valid "
            "lifetime is 0",
            f"addresses {', '.join(sorted(kept))}", f"{', '.join(sorted(carried)) or 'none'}")


@by_model
@case("C-RESOLICIT-EXPIRY", rfc=["RFC 9915 18.2.5", "RFC 9915 18.2.10.1", "RFC 6853 6"], level=MUST,
      requires=("ia_na",))
def test_solicits_again_when_leases_expire(lab, model):
    """When no server answers the Rebind, the client gives the address up when its valid lifetime ends, Solicits
    again, and binds to the surviving server.

    RFC 9915 18.2.5: "MRD Remaining time until valid lifetimes of all leases in all IAs have expired [...] The
    message exchange is terminated when the valid lifetimes of all leases across all IAs have expired, at which time
    the client uses the Solicit message to locate a new DHCP server and sends a Request for the expired IAs to the
    new server."
    """
    servers, binding = _bound_then_silent(lab, model, others_silent=False)
    _, _, valid = _ia_times(binding)
    expiry = binding.at + valid
    survivor = next(s for s in servers if s is not binding.server)
    _require_in_use_where_it_will_end(lab, binding, survivor)
    survivor.silence(end=expiry)  # back when the leases have run out; the granting server stays down
    # The Solicit is due at expiry; the window allows a first-Solicit delay (SOL_MAX_DELAY) and a Solicit RT on
    # top, so no verdict hangs on a DUT's random delay. How late it came is recorded.
    window = valid + SOL_MAX_DELAY + 1.1 * SOL.irt + lab.tolerance
    solicit = observed(lab.expect(SOLICIT, after=binding.reply, within=window),
                       "RFC 9915 18.2.5: when the leases have expired the client uses Solicit to find a server",
                       f"a Solicit at the valid lifetime ({valid} s after the Reply)",
                       f"no Solicit within {window:.2f} s of the Reply")
    lab.band("valid lifetime over: Solicit from here", expiry - lab.tolerance, binding.at + window)
    lab.record("solicit_after_expiry", seconds(solicit.time - expiry), f">= -{lab.tolerance:.3f} s")
    require(solicit.time >= expiry - lab.tolerance,
            "RFC 9915 18.2.5: the Rebind exchange lasts until the valid lifetimes have expired",
            f"Solicit no earlier than {valid} s after the Reply", f"{solicit.time - binding.at:.3f} s")
    if binding.addresses and not any(a in survivor.script.pool for a in binding.addresses):  # in use (above)
        lab.wait_until(max(solicit.time, expiry + lab.tolerance) + 0.1)
        for address in binding.addresses:
            require(not lab.uses(address), "RFC 9915 18.2.5/18.2.10.1: an expired lease is no longer used",
                    f"no answer to Neighbor Solicitations for {address} after its valid lifetime", "answered")
    request = observed(lab.expect(REQUEST, after=solicit, within=5.0),
                       "RFC 9915 18.2.5: the client sends a Request for the expired IAs to the new server",
                       f"a Request to {survivor.name}", "no Request")
    require_server(request, survivor, lab.servers, "RFC 9915 18.2.5: the client sends a Request for the expired "
                                                   "IAs to the new server")
    reply = lab.answer(request, survivor, 1.0)
    new = [l.address for ia in reply.ias for l in ia.leases if l.valid > 0 and "/" not in l.address]
    usable = lab.usable_at(new[0], reply.time + DAD_ALLOWANCE + lab.tolerance) if new else reply.time
    if usable is not None:  # one that never answers is no verdict here (C-REBIND-OTHER judges configuring)
        record_service(lab, binding, expiry, usable, floor=valid + SOL.irt)


def record_service(lab, binding, lost: float | None, usable: float, floor: float) -> None:
    """What an operator reads of a failover: `service_gap`, the seconds the DUT had no usable lease (from `lost`,
    when its old lease stopped being usable, None if it never did, to `usable`, when the new one answered a
    Neighbor Solicitation, or its Reply for a prefix), and `failover`, the seconds from the granting server's failure
    (the binding, when the case silenced it) to the new lease, beside `floor`, the least the lifetimes allow."""
    gap = max(0.0, usable - lost) if lost is not None else 0.0
    lab.record("service_gap", seconds(gap), "time without a usable lease (0.2 s resolution)")
    lab.record("failover", seconds(usable - binding.at), f">= {floor:.1f} s (the least the lifetimes allow)")
    lab.sample("service_gap", gap)
    lab.sample("failover", usable - binding.at)

"""Duplicate addresses in the identical-prefixes model: servers that do not talk can hand out an address another host
already holds (RFC 6853 section 7); the client must find out with DAD and Decline it (RFC 9915 18.2.8, 18.2.10.1)."""
import ipaddress
import time

from conformance.caseinfo import MUST, case
from conformance.servers.models import all_models
from conformance.servers.pool import AddressPool
from conformance.verdict import observed, precondition, require, require_server, seconds
from conformance.wire.constants import DECLINE

IDENTICAL = all_models()["identical"]
BEGIN_WITHIN = 10.0  # seconds after the Reply by which the DUT shows it took the address up (not an RFC number)
DECLINE_WITHIN = 3.0  # seconds after its DAD probe: RetransTimer (1 s) x DupAddrDetectTransmits (1), and room to react


@case("C-DECLINE-DUP", rfc=["RFC 9915 18.2.10.1", "RFC 9915 18.2.8", "RFC 6853 7"], level=MUST,
      requires=("ia_na",))
def test_declines_an_address_held_by_another_host(lab):
    """The address the client is given is already in use on the link: the client detects it with DAD, sends Decline
    for it to the server that assigned it, and does not use it.

    RFC 9915 18.2.10.1: "The client MUST perform duplicate address detection as per Section 5.4 of [RFC4862] [...]
    on each of the received addresses [...] The client performs the duplicate address detection before using the
    received addresses for any traffic. If any of the addresses are found to be in use on the link, the client
    sends a Decline message to the server for those addresses as described in Section 18.2.8."
    RFC 9915 18.2.8: "The client MUST include a Server Identifier option (see Section 21.3) in the Decline message
    [...] The client MUST NOT use any of the addresses it is declining as the source address in the Decline message
    or in any subsequently transmitted message."
    A client that takes the address up late is judged from its DAD probe on; one that shows nothing of it within
    BEGIN_WITHIN leaves nothing to judge (ERROR). One that uses the address before probing it FAILs.
    """
    spec_255, spec_0 = IDENTICAL.servers
    taken = str(ipaddress.IPv6Address(spec_255.pool.first) + 1)
    # Out of step: the preferred server's next free address is one its peer already gave to another host.
    squatter = lab.lab.add_host("squatter")
    lab.lab.add_address(squatter, "lan", taken, 128)
    lab.enable_dad()
    assigning = lab.server(spec_255.preference, pool=AddressPool(spec_255.pool.prefix, taken, taken),
                           lifetimes=lab.lifetimes())
    # The peer answers 0.3 s later, so the DUT meets the assigning server first whatever its selection does.
    lab.server(spec_0.preference, advertise_delay=0.3, pool=spec_0.pool, lifetimes=lab.lifetimes())
    binding = lab.bind()
    precondition(binding.server is assigning and taken in binding.leases,
                 f"the DUT was given {taken} by {assigning.name}")
    began, answered = _began_to_use(lab, taken, binding)
    precondition(began is not None, f"the DUT began to use {taken} (a DAD probe, a frame from it, an answer to a "
                                    f"Neighbor Solicitation for it, or a Decline) within {BEGIN_WITHIN:.0f} s of the "
                                    "Reply")
    probes, used = lab.dad_probes(taken), lab.sourced_from(taken, after=binding.at) + ([answered] if answered else [])
    lab.record("dad_probe_after_reply", seconds(probes[0] - binding.at) if probes else "none")
    first_use = min(used, default=None)
    require(first_use is None or (probes and probes[0] < first_use),
            "RFC 9915 18.2.10.1: the client performs the duplicate address detection before using the received "
            "addresses for any traffic", f"a DAD Neighbor Solicitation for {taken} (from ::) before it is used",
            f"{taken} in use {seconds((first_use or 0) - binding.at)} after the Reply, "
            + (f"before its first DAD probe ({seconds(probes[0] - binding.at)})" if probes else "and no DAD probe"))
    detected = probes[0] if probes else began
    decline = observed(lab.expect(DECLINE, after=binding.reply, within=detected - binding.at + DECLINE_WITHIN),
                       "RFC 9915 18.2.10.1: an address found in use on the link is declined",
                       f"a Decline for {taken} within {DECLINE_WITHIN:.0f} s of its DAD probe", "no Decline")
    lab.record("decline_after_reply", seconds(decline.time - binding.at))
    require(bool(probes) and probes[0] < decline.time, "RFC 9915 18.2.10.1: the client MUST perform duplicate address "
                                                      "detection on each received address; an address found in use "
                                                      "by it is declined",
            f"a DAD Neighbor Solicitation for {taken} (from ::) before the Decline",
            f"a Decline {seconds(decline.time - binding.at)} after the Reply with no DAD probe before it")
    require_server(decline, assigning, lab.servers, "RFC 9915 18.2.8: the client MUST include a Server Identifier "
                                                    "option in the Decline message, identifying the server which "
                                                    "allocated the lease(s)")
    declined = {l.address for ia in decline.ias for l in ia.leases}
    require(taken in declined, "RFC 9915 18.2.8: the Decline carries the declined addresses in its IAs",
            f"{taken} in the Decline's IA", ", ".join(sorted(declined)) or "no address")
    lab.wait_until(decline.time + 0.5)
    used = lab.sourced_from(taken, after=binding.at)
    require(not used, "RFC 9915 18.2.8: the client MUST NOT use an address it is declining as a source address",
            f"no frame from {taken} between the Reply and 0.5 s after the Decline "
            f"({seconds(decline.time + 0.5 - binding.at)} after the Reply)",
            f"frames at {', '.join(seconds(t - binding.at) for t in used)} after the Reply")
    require(not lab.uses(taken), "RFC 9915 18.2.10.1: an address in use elsewhere is not used",
            f"the DUT does not answer Neighbor Solicitations for {taken}", "it does")


def _began_to_use(lab, taken: str, binding) -> tuple[float | None, float | None]:
    """(when the DUT first showed it took `taken` up: its first DAD probe, a frame from it, an answer to a Neighbor
    Solicitation for it, or a Decline; when it first answered such a Solicitation), each None if not seen within
    BEGIN_WITHIN of the Reply. A client whose scripts configure the address late is judged from then on, not failed
    for being slow."""
    deadline, answered = binding.at + BEGIN_WITHIN, None
    while True:
        asked = time.time()
        answered = answered or (asked if lab.uses(taken) else None)
        moments = lab.dad_probes(taken) + lab.sourced_from(taken, after=binding.at) + [
            d.time for d in lab.sent(DECLINE, after=binding.reply)] + ([answered] if answered else [])
        if moments or time.time() > deadline:
            return min(moments, default=None), answered
        time.sleep(0.1)

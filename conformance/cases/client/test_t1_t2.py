"""T1 and T2 values a client must treat specially: 0 (timing left to the client) and T1 > T2 (an invalid IA)."""
from conformance.caseinfo import MUST, case
from conformance.servers.models import all_models
from conformance.servers.script import Lifetimes
from conformance.verdict import precondition, require, require_none, seconds
from conformance.wire.constants import ADVERTISE, REBIND, RENEW, REQUEST, SOLICIT
from conformance.wire.timing import RFC9915

UNIQUE = all_models()["unique"]
IMMEDIATELY = 1.0  # seconds: the shortest timer of RFC 9915 (IRT of Solicit and Request; SOL_MAX_DELAY)


@case("C-T1T2-ZERO", rfc=["RFC 9915 14.2", "RFC 9915 21.4", "RFC 9915 18.2.4"], level=MUST, requires=("ia_na",))
def test_zero_t1_t2_left_to_the_client(lab):
    """With T1 and T2 of 0 the client picks its own times: not at once, and still before its lease ends.

    RFC 9915 21.4: "If the time at which the addresses in an IA_NA are to be renewed is to be left to the discretion
    of the client, the server sets the T1 and T2 values to 0. The client MUST follow the rules defined in Section
    14.2."
    RFC 9915 14.2: "This is an indication that the renew and rebind times are left to the discretion of the client.
    However, they are not completely discretionary. When T1 and/or T2 values are set to 0, the client MUST choose a
    time to avoid message storms. In particular, it MUST NOT transmit immediately."
    "Immediately" is judged as sooner than one second, the shortest timer RFC 9915 uses. A lease whose lifetimes run
    out without a Renew or Rebind is lost while its server is up: the case also asks for one before the valid
    lifetime ends.
    """
    base = lab.lifetimes()
    lifetimes = Lifetimes(0, 0, base.preferred, base.valid)
    spec = UNIQUE.servers[0]
    lab.server(spec.preference, pool=spec.pool, pd_pool=spec.pd_pool, lifetimes=lifetimes)
    binding = lab.bind()
    lab.band("the client's own renew time: not within 1 s, before the valid lifetime ends",
             binding.at + IMMEDIATELY, binding.at + lifetimes.valid)
    first = lab.timeline.wait_for(lambda m: lab.from_dut(m) and m.msg_type in (RENEW, REBIND)
                                  and m.time > binding.at, timeout=lifetimes.valid + 0.5)
    lab.record("first_renewal_after_reply", seconds(first.time - binding.at) if first else "none",
               f"[{IMMEDIATELY:.1f}, {lifetimes.valid}) s")
    require(first is not None and first.time < binding.at + lifetimes.valid,
            "RFC 9915 14.2/21.4: the client chooses its own renew and rebind times",
            f"a Renew or Rebind before the valid lifetime ({lifetimes.valid} s) ends", "none")
    require(first.time - binding.at >= IMMEDIATELY, "RFC 9915 14.2: the client MUST NOT transmit immediately",
            f"first {first.name} no sooner than {IMMEDIATELY:.1f} s after the Reply",
            f"{first.time - binding.at:.3f} s after it")


@case("C-T1T2-INVALID", rfc=["RFC 9915 21.4", "RFC 9915 18.2.9", "RFC 3315 22.4"], level=MUST, requires=("ia_na",))
def test_ia_with_t1_above_t2_is_discarded(lab):
    """An IA_NA with T1 > T2 is discarded: its server is never asked for it, the client's exchange goes on and it
    binds to the valid server, and the invalid address is never used.

    RFC 9915 21.4: "If a client receives an IA_NA with T1 greater than T2 and both T1 and T2 are greater than 0, the
    client discards the IA_NA option and processes the remainder of the message as though the server had not
    included the invalid IA_NA option."
    RFC 9915 18.2.9: "The client MUST ignore any Advertise message that contains no addresses [...]"
    RFC 9915 18.2.1: "A client MUST collect valid Advertise messages for the first RT seconds, unless it receives a
    valid Advertise message with a preference value of 255." (An ignored Advertise leaves the exchange as it was:
    a new Solicit exchange, with a new transaction ID, is no ignoring, and the valid server's Advertise is there to
    be chosen.)
    """
    good = lab.lifetimes()
    bad = Lifetimes(good.t2, good.t1, good.preferred, good.valid)  # T1 > T2 > 0
    first, second = UNIQUE.servers
    invalid = lab.server(first.preference, pool=first.pool, pd_pool=first.pd_pool, lifetimes=bad)
    # The valid server answers 0.3 s later: the DUT meets the invalid IA first whatever its selection does.
    valid = lab.server(second.preference, advertise_delay=0.3, pool=second.pool, pd_pool=second.pd_pool,
                       lifetimes=good)
    lab.start_dut()
    solicit = lab.first_solicit()
    settle = solicit.time + RFC9915["SOLICIT"].irt * 1.1 + lab.tolerance + 2.0
    lab.band("watched: no Request for the invalid IA", solicit.time, settle)
    lab.wait_until(settle)
    lab.require_running(settle, "a Request for the invalid IA")
    offered = [l.address for m in lab.received(ADVERTISE, sender=invalid) for ia in m.ias for l in ia.leases]
    precondition(bool(offered), f"fake server {invalid.name} delivered an Advertise with an address to the DUT")
    # Asked for it: a Request naming its server, or one carrying its address, with or without a Server ID.
    asked = [r for r in lab.sent(REQUEST) if r.server_id == invalid.duid
             or {l.address for ia in r.ias for l in ia.leases} & set(offered)]
    lab.record("requests_for_the_invalid_ia", str(len(asked)), "0")
    require(not asked, "RFC 9915 21.4/18.2.9: the IA with T1 > T2 is discarded, leaving an Advertise with no "
                       "addresses, which the client MUST ignore",
            f"no Request to {invalid.described}, and none for {', '.join(sorted(set(offered)))}, within "
            f"{seconds(settle - solicit.time)} of the first Solicit",
            (f"Request {seconds(asked[0].time - solicit.time)} after the Solicit, "
             + (f"to {invalid.name}" if asked[0].server_id == invalid.duid else
                f"for {', '.join(l.address for ia in asked[0].ias for l in ia.leases)} without its Server ID"))
            if asked else "")
    chosen = next((r for r in lab.sent(REQUEST) if r.server_id == valid.duid), None)
    until = chosen.time if chosen else settle
    restarted = [m for m in lab.sent(SOLICIT) if m.xid != solicit.xid and m.time <= until]
    require_none(restarted, "RFC 9915 21.4/18.2.9: the client ignores the Advertise whose only IA was discarded, "
                            "so its exchange goes on", f"every Solicit with xid 0x{solicit.xid:06x} until it Requests",
                 lambda m: f"a new exchange: a Solicit with xid 0x{m.xid:06x} {seconds(m.time - solicit.time)} "
                           f"after the first ({len(restarted)} in all)")
    require(chosen is not None, "RFC 9915 18.2.1: the client collects the valid Advertise and selects it",
            f"a Request to {valid.described} within {seconds(settle - solicit.time)} of the first Solicit", "none")
    for address in sorted(set(offered)):
        require(not lab.uses(address), "RFC 9915 21.4: the client discards the IA_NA with T1 > T2",
                f"no answer to Neighbor Solicitations for {address}", "the DUT answers for it")

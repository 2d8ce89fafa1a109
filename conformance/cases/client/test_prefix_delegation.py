"""Prefix delegation (RFC 3633): a requesting router selects its delegating router and rebinds like any client.

RFC 3633 sends its requesting router through RFC 3315's Solicit, Advertise and Request procedures, so these cases
run the same scenarios and verdicts as their IA_NA counterparts, on a DUT that asks for an IA_PD.
"""
from conformance.caseinfo import MUST, case
from conformance.verdict import precondition, require
from conformance.wire.constants import REBIND, RENEW, REQUEST, SOLICIT

from . import test_renew_rebind as lifecycle
from . import test_server_selection as selection


def require_ia_pd(lab, msg_type):
    message = lab.sent(msg_type)[-1]
    require(any(ia.kind == "pd" for ia in message.ias), "RFC 3633 11.1/12.1: the requesting router includes the "
                                                        "IA_PD option", f"an IA_PD in the {message.name}",
            ", ".join(f"IA_{ia.kind.upper()}" for ia in message.ias) or "no IA")


@case("C-PD-PREF-255", rfc=["RFC 3633 11.1", "RFC 9915 18.2.1", "RFC 3315 17.1.2"], level=MUST,
      requires=("ia_pd",))
def test_pd_preference_255(lab):
    """A delegating router's Advertise with preference 255 makes the requesting router Request from it at once.

    RFC 3633 11.1: "The requesting router creates and transmits a Solicit message as described in sections 17.1.1,
    "Creation of Solicit Messages" and 17.1.2, "Transmission of Solicit Messages" of RFC 3315. [...] The
    requesting router processes any received Advertise messages as described in section 17.1.3, "Receipt of
    Advertise Messages" of RFC 3315."
    RFC 9915 18.2.1: "If the client receives a valid Advertise message that includes a Preference option with a
    preference value of 255, the client immediately begins a client-initiated message exchange (as described in
    Section 18.2.2) by sending a Request message to the server from which the Advertise message was received."
    """
    selection.test_preference_255_requests_at_once(lab)
    require_ia_pd(lab, REQUEST)


@case("C-PD-PREF-WAIT", rfc=["RFC 3633 11.1", "RFC 9915 18.2.1", "RFC 3315 17.1.2"], level=MUST,
      requires=("ia_pd",))
def test_pd_waits_for_first_rt(lab):
    """With only lower-preference Advertises, the requesting router collects them for the whole first RT.

    RFC 3633 11.1: "The requesting router creates and transmits a Solicit message as described in sections 17.1.1,
    "Creation of Solicit Messages" and 17.1.2, "Transmission of Solicit Messages" of RFC 3315."
    RFC 9915 18.2.1: "A client MUST collect valid Advertise messages for the first RT seconds, unless it receives a
    valid Advertise message with a preference value of 255."
    """
    selection.test_waits_for_first_rt_without_preference_255(lab)
    require_ia_pd(lab, REQUEST)


@case("C-PD-REBIND-T2", rfc=["RFC 3633 12.1", "RFC 9915 18.2.5", "RFC 9915 18.2.4"], level=MUST,
      requires=("ia_pd",))
def test_pd_rebind_at_t2(lab):
    """With the delegating router silent, the requesting router Rebinds its IA_PD at T2, without a Server ID.

    RFC 3633 12: "A requesting router uses the same message exchanges as described in section 18, "DHCP
    Client-Initiated Configuration Exchange" of RFC 3315 to obtain or update prefix(es) from a delegating router."
    RFC 9915 18.2.5: "At time T2 (which will only be reached if the server to which the Renew message was sent
    starting at time T1 has not responded), the client initiates a Rebind/Reply message exchange with any available
    server. [...] The client does not include the Server Identifier option (see Section 21.3) in the Rebind message."
    """
    lifecycle.test_rebind_at_t2(lab)
    require_ia_pd(lab, REBIND)


@case("C-PD-RENEW-T1", rfc=["RFC 3633 12.1", "RFC 9915 18.2.4"], level=MUST, requires=("ia_pd",))
def test_pd_renew_at_t1(lab):
    """The requesting router Renews its IA_PD at T1 with the delegating router that granted it.

    RFC 3633 12.1: "Each prefix has valid and preferred lifetimes whose durations are specified in the IA_PD Prefix
    option for that prefix. The requesting router uses Renew and Rebind messages to request the extension of the
    lifetimes of a delegated prefix."
    RFC 9915 18.2.4: "At time T1, the client initiates a Renew/Reply message exchange to extend the lifetimes on
    any leases in the IA. [...] The client MUST include a Server Identifier option (see Section 21.3) in the Renew
    message, identifying the server with which the client most recently communicated. [...] The client includes
    [...] IA Prefix options (see Section 21.22) within IA_PD (see Section 21.21) for the [...] prefixes assigned to
    the IAs."
    """
    lifecycle.test_renew_at_t1(lab)
    require_ia_pd(lab, RENEW)


@lifecycle.by_model
@case("C-PD-RESOLICIT-EXPIRY", rfc=["RFC 3633 12.1", "RFC 9915 18.2.5", "RFC 6853 6"], level=MUST,
      requires=("ia_pd",))
def test_pd_solicits_again_when_prefixes_expire(lab, model):
    """When no delegating router answers the Rebind, the requesting router Solicits again when its prefixes'
    valid lifetimes end, and gets a prefix from the surviving one.

    RFC 9915 18.2.5: "The message exchange is terminated when the valid lifetimes of all leases across all IAs have
    expired, at which time the client uses the Solicit message to locate a new DHCP server and sends a Request for
    the expired IAs to the new server."
    RFC 6853 6: the deployment models apply to prefix delegation as to addresses.
    """
    lifecycle.test_solicits_again_when_leases_expire(lab, model)
    require_ia_pd(lab, SOLICIT)


@case("C-PD-WITHOUT-ADDRESS", rfc=["RFC 9915 18.2.9", "RFC 9915 18.2.4", "RFC 9915 18.2.10.1", "RFC 7084 4.2"],
      level=MUST, requires=("ia_na", "ia_pd"))
def test_prefix_kept_when_no_address_is_given(lab):
    """Asking for an address and a prefix, the client is offered only the prefix (NoAddrsAvail for its IA_NA): it
    takes the prefix and keeps it, Renewing it at T1.

    RFC 9915 18.2.9: "The client MUST ignore any Advertise message that contains no addresses (IA Address options
    (see Section 21.6) encapsulated in IA_NA options (see Section 21.4)) and no delegated prefixes (IA Prefix options
    (see Section 21.22) encapsulated in IA_PD options (see Section 21.21))" (one with a prefix is not ignored).
    RFC 9915 18.2.4: "At time T1, the client initiates a Renew/Reply message exchange to extend the lifetimes on
    any leases in the IA. [...] The client includes [...] IA Prefix options (see Section 21.22) within IA_PD (see
    Section 21.21) for the [...] prefixes assigned to the IAs."
    (RFC 7084 section 4.2, WPD-6, asks this of a CE router that requests both an IA_NA and an IA_PD.)
    """
    lab.server(preference=255, pool=None, lifetimes=lab.lifetimes())
    lab.start_dut()
    solicit = lab.first_solicit()
    precondition({ia.kind for ia in solicit.ias} >= {"na", "pd"}, "the DUT asked for an IA_NA and an IA_PD")
    request = lab.require_sent(REQUEST, solicit, 5.0, "RFC 9915 18.2.9: an Advertise that carries a delegated "
                                                      "prefix is not one the client ignores",
                               "a Request for the prefix the preference-255 Advertise offered")
    require_ia_pd(lab, REQUEST)
    reply = lab.answer(request, None, 2.0)
    prefixes = [l.address for ia in reply.ias if ia.kind == "pd" for l in ia.leases if l.valid]
    precondition(bool(prefixes), "the server delegated a prefix in its Reply")
    t1 = next(ia.t1 for ia in reply.ias if ia.kind == "pd")
    renew = lab.require_sent(RENEW, reply, t1 + lab.tolerance + 1.0,
                             "RFC 9915 18.2.4: at T1 the client Renews the prefix it was delegated",
                             f"a Renew of {prefixes[0]} at T1 = {t1} s")
    carried = [l.address for ia in renew.ias if ia.kind == "pd" for l in ia.leases]
    lab.record("renewed_prefixes", ", ".join(carried) or "none", prefixes[0])
    require(prefixes[0] in carried, "RFC 9915 18.2.4: the Renew includes IA Prefix options for the prefixes "
                                    "assigned to the IAs", f"the Renew carries {prefixes[0]}",
            f"it carries {', '.join(carried) or 'no prefix'}")

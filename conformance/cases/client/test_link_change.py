"""After its link goes down and up, a client with valid leases refreshes them with the exchange RFC 9915 18.2.12
names (Confirm for addresses only, Rebind where it holds delegated prefixes) instead of starting over with a
Solicit, and keeps its leases when the server confirms them.

The suite pulls the DUT's cable itself: the bridge port facing the DUT goes down for LINK_DOWN seconds, so the
DUT's interface loses carrier, then up. The quoted text is that of draft-ietf-dhc-rfc8415bis-12, from which RFC 9915
was made.
"""
from conformance.caseinfo import MUST, SHOULD, case
from conformance.results import HarnessError, Level
from conformance.servers.script import Lifetimes
from conformance.verdict import require, require_none
from conformance.wire.constants import CONFIRM, REBIND, RENEW, REQUEST, SOLICIT

LIFETIMES = Lifetimes(t1=60, t2=90, preferred=100, valid=120)  # no Renew or expiry while the case watches
LINK_DOWN = 1.0   # seconds the cable stays pulled
NOTICE = 2.0      # seconds a client may take to notice its carrier is back (not an RFC number: how long we watch)
KEPT_FOR = 3.0    # seconds after the server confirmed the leases in which the client must not start over
CNF_MAX_DELAY = 1.0  # RFC 9915 7.6
MOVED = ("RFC 9915 18.2.12: \"Examples of times when a client may have moved to a new link include [...] The "
         "client's network interface indicates a disconnection event, followed by a connection event.\"")
# What the DUT's first message after the flap is, where one reading of the text allows it: (the reading that
# forbids it, the one that allows it). Silence is allowed by one reading for every client.
SILENCE = ("a client whose interface reported a disconnection and a connection has detected that it may have moved "
           "(the text's own example), so it must refresh",
           "\"Specific algorithms for detecting network attachment changes are out of scope for this document\": a "
           "client that does not watch its link has detected nothing")
STARTED_OVER = ("a client whose leases have not expired holds them, so it must refresh them",
                "nothing in the text keeps a client from dropping its leases when its link goes down, and a client "
                "without leases starts over with a Solicit")
RENEWED = ("a disconnection followed by a connection is a possible move, after which a client with delegated "
           "prefixes \"MUST initiate a Rebind/Reply message exchange\"",
           "a client that takes the flap for a significant change on its link, not a move, \"sends Renew (as if the "
           "T1 time expired)\" when it has delegated prefixes (the last paragraphs of 18.2.12)")


def _bound_then_flapped(lab, kind: str):
    """Bind with one server (leases outlasting the case), let the DUT settle, pull the cable and plug it back;
    (binding, the leases of `kind` it granted, the first DHCPv6 message the DUT sent after the link went down, or
    None)."""
    lab.server(255, lifetimes=lab.lifetimes(LIFETIMES))
    binding = lab.bind()
    leases = [l.address for ia in binding.reply.ias if ia.kind == kind for l in ia.leases if l.valid > 0]
    if not leases:
        raise HarnessError(f"the Reply granted no IA_{kind.upper()}, so the DUT holds nothing to refresh")
    if kind == "na":
        lab.require_in_use(leases[0], binding.at, within=5.0)
    else:
        lab.wait_until(binding.at + 1.0)  # a delegated prefix is not on this link: give the DUT a second to settle
    down, up = lab.flap_link(LINK_DOWN)
    window = up + NOTICE + CNF_MAX_DELAY + lab.tolerance
    first = lab.first_sent_after(down, window)
    lab.record("first_after_link_up", f"{first.name} at +{first.time - up:.3f} s" if first else "nothing",
               f"by +{window - up:.3f} s")
    return binding, leases, first


def _require_refreshed(first, msg_type: int, requirement: str, level: Level, one_reading_allows: dict) -> None:
    """The DUT's first message after the flap is `msg_type`. Silence, and the messages `one_reading_allows` (type ->
    the two readings), break only one reading: WARN quoting both. Any other message FAILs at `level`."""
    expected = f"a {_name(msg_type)} after the link came back"
    if first is None or first.msg_type in one_reading_allows:
        forbids, allows = one_reading_allows[first.msg_type] if first else SILENCE
        actual = (f"the DUT's first message was a {first.name.title()}" if first else
                  "the DUT sent nothing after its link came back")
        require(False, f"{requirement} (the text has two readings: {forbids} / {allows}; only the first forbids "
                       "this)", expected, actual, Level.SHOULD)
    require(first.msg_type == msg_type, requirement, expected,
            f"the DUT's first message was a {first.name.title()}", level)


def _name(msg_type: int) -> str:
    return {CONFIRM: "Confirm", REBIND: "Rebind"}[msg_type]


def _require_leases_in(message, leases: list[str], kind: str, requirement: str, level: Level) -> None:
    carried = {l.address for ia in message.ias if ia.kind == kind for l in ia.leases}
    missing = [lease for lease in leases if lease not in carried]
    require(not missing, requirement, f"the {message.name.title()} carries {', '.join(leases)}",
            f"it carries {', '.join(sorted(carried)) or 'no lease'} (missing {', '.join(missing)})", level)


def _require_kept(lab, after, requirement: str, level: Level) -> None:
    """No Solicit or Request in KEPT_FOR seconds after the server's Reply `after`."""
    lab.wait_until(after.time + KEPT_FOR)
    restarted = [m for m in lab.sent(SOLICIT, after) + lab.sent(REQUEST, after) if m.time <= after.time + KEPT_FOR]
    require_none(restarted, requirement, f"no Solicit or Request within {KEPT_FOR:.0f} s of the Reply",
                 lambda m: f"a {m.name.title()} at +{m.time - after.time:.3f} s after the Reply", level)


@case("C-LINK-CHANGE", rfc=["RFC 9915 18.2.12", "RFC 9915 18.2.3", "RFC 9915 18.2.10.3"], level=SHOULD,
      requires=("ia_na",))
def test_confirm_after_link_change(lab):
    """A client holding addresses (no delegated prefixes) Confirms them after its link goes down and up, and keeps
    them when the server answers Success. A Confirm without its addresses breaks a MUST: FAIL.

    RFC 9915 18.2.12: "When the client detects that it may have moved to a new link and it has obtained addresses
    and no delegated prefixes from a server, the client SHOULD initiate a Confirm/Reply message exchange. The client
    MUST include any IAs assigned to the interface that may have moved to a new link, along with the addresses
    associated with those IAs, in its Confirm message."
    RFC 9915 18.2.10.3: "If the client receives any Reply messages that indicate a status of Success (explicit or
    implicit), the client can use the addresses in the IA and ignore any messages that indicate a NotOnLink
    status."
    """
    binding, leases, first = _bound_then_flapped(lab, "na")
    _require_refreshed(first, CONFIRM, f"{MOVED}; RFC 9915 18.2.12: \"the client SHOULD initiate a Confirm/Reply "
                                       "message exchange\"", Level.SHOULD, {SOLICIT: STARTED_OVER})
    _require_leases_in(first, leases, "na", "RFC 9915 18.2.12: \"The client MUST include any IAs assigned to the "
                                            "interface [...] along with the addresses associated with those IAs, in "
                                            "its Confirm message\"", Level.MUST)
    reply = lab.answer(first, binding.server, lab.reference.params["CONFIRM"].mrd)
    _require_kept(lab, reply, "RFC 9915 18.2.10.3: with a Reply of status Success \"the client can use the addresses "
                              "in the IA\": it has no reason to start over", Level.SHOULD)
    require(lab.uses(leases[0]), "RFC 9915 18.2.10.3: with a Reply of status Success \"the client can use the "
                                 "addresses in the IA\"", f"{leases[0]} still in use",
            f"the DUT no longer answers Neighbor Solicitations for {leases[0]}", Level.SHOULD)


@case("C-PD-LINK-CHANGE", rfc=["RFC 9915 18.2.12", "RFC 9915 18.2.5", "RFC 9915 18.2.3"], level=MUST,
      requires=("ia_pd",))
def test_rebind_after_link_change(lab):
    """A client holding delegated prefixes Rebinds after its link goes down and up, with its IA_PD and prefixes, and
    keeps them when the server's Reply extends them. A Confirm or a Request instead is a FAIL; a Solicit, a Renew or
    silence breaks one reading of the text only (the verdict quotes both): WARN.

    RFC 9915 18.2.12: "If the client has any valid delegated prefixes obtained from the DHCP server, the client MUST
    initiate a Rebind/Reply message exchange as described in Section 18.2.5, with the exception that the
    retransmission parameters should be set as for the Confirm message (see Section 18.2.3). The client includes
    IA_NAs and IA_PDs, along with the associated leases, in its Rebind message."
    """
    binding, prefixes, first = _bound_then_flapped(lab, "pd")
    _require_refreshed(first, REBIND, f"{MOVED}; RFC 9915 18.2.12: \"If the client has any valid delegated prefixes "
                                      "[...] the client MUST initiate a Rebind/Reply message exchange\"", Level.MUST,
                       {SOLICIT: STARTED_OVER, RENEW: RENEWED})
    _require_leases_in(first, prefixes, "pd", "RFC 9915 18.2.12: \"The client includes IA_NAs and IA_PDs, along "
                                              "with the associated leases, in its Rebind message\" (no keyword: a "
                                              "SHOULD here)", Level.SHOULD)
    reply = lab.answer(first, binding.server, lab.reference.params["CONFIRM"].mrd)
    _require_kept(lab, reply, "RFC 9915 18.2.10.1: a Reply to the Rebind that extends the prefixes leaves the client "
                              "bound: it has no reason to start over (no keyword forbids it: a SHOULD here)",
                  Level.SHOULD)

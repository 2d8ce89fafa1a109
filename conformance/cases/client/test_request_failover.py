"""The chosen server advertises, then fails: the client retransmits its Request per RFC 9915 section 15 with the
REQ_* parameters, and gives the exchange up after REQ_MAX_RC transmissions (RFC 9915 18.2.2)."""
from conformance.caseinfo import MUST, case
from conformance.servers.models import all_models
from conformance.retransmission import require_mrc, require_series
from conformance.verdict import precondition, require, require_none, seconds
from conformance.wire.constants import REQUEST, SOLICIT
from conformance.wire.timing import RFC9915

REQ = RFC9915["REQUEST"]
UNIQUE = all_models()["unique"]


@case("C-REQUEST-FAILOVER", rfc=["RFC 9915 18.2.2", "RFC 9915 15", "RFC 9915 16.1", "RFC 9915 7.6",
                                 "RFC 3315 18.1.1"], level=MUST, requires=("ia_na",))
def test_request_retransmission_and_failover(lab):
    """The chosen server advertises, then goes silent: the client retransmits Request per REQ_TIMEOUT, REQ_MAX_RT
    and REQ_MAX_RC, keeping the transaction ID, and gives the exchange up after REQ_MAX_RC transmissions.

    RFC 9915 18.2.2: "The client transmits the message according to Section 15, using the following parameters: IRT
    REQ_TIMEOUT MRT REQ_MAX_RT MRC REQ_MAX_RC MRD 0 If the message exchange fails, the client takes an action based
    on the client's local policy. Examples of actions the client might take include the following: - Select another
    server from a list of servers known to the client -- for example, servers that responded with an Advertise
    message. - Initiate the server discovery process described in Section 18. - Terminate the configuration process
    and report failure."
    RFC 9915 15: "MRC specifies an upper bound on the number of times a client may retransmit a message. Unless MRC
    is zero, the message exchange fails once the client has transmitted the message MRC times."
    RFC 9915 16.1: "A client MUST leave the transaction ID unchanged in retransmissions of a message."
    RFC 9915 7.6: "REQ_TIMEOUT 1 sec [...] REQ_MAX_RT 30 secs [...] REQ_MAX_RC 10".
    The two sentences of section 15 read as 11 or as 10 transmissions allowed: 12 or more FAIL, 11 is WARN.
    Terminating is among the actions 18.2.2 allows, so the action after the failed exchange is recorded, not judged.
    """
    first_spec, second_spec = UNIQUE.servers
    chosen = lab.server(first_spec.preference, pool=first_spec.pool, ignores=frozenset({REQUEST}))
    # The other server answers 0.3 s later, so the DUT meets the chosen one first whatever its selection does.
    other = lab.server(second_spec.preference, advertise_delay=0.3, pool=second_spec.pool)
    lab.start_dut()
    solicit = lab.first_solicit()
    to_chosen = lambda m: m.server_id == chosen.duid  # noqa: E731
    first = lab.expect(REQUEST, after=solicit, within=5.0, where=to_chosen)
    precondition(first is not None, f"the DUT sent a Request to {chosen.described}, whose Advertise came first "
                                    "(C-PREF-255 judges the choice and the Request's Server ID)")
    # One more than either reading of MRC allows, so a count both readings forbid is seen.
    series = lab.transmissions(first, REQ, count=REQ.mrc + 2, where=lambda m: to_chosen(m) and m.xid == first.xid)
    lab.record("requests", series.describe(), f"{REQ.mrc} transmissions")
    lab.sample("rand", *series.effective_rand())
    lab.sample("rand_excess", *series.rand_excess(lab.tolerance))
    lab.band_series(series, "Request")
    require_series(series, lab.tolerance, "Request")
    require_mrc(series, "Request")
    if len(series.messages) < REQ.mrc:
        renamed = [m for m in lab.sent(REQUEST, after=series.messages[-1]) if to_chosen(m) and m.xid != first.xid]
        require_none(renamed, "RFC 9915 16.1: a client MUST leave the transaction ID unchanged in retransmissions",
                     f"retransmissions with xid 0x{first.xid:06x}", lambda m: f"a Request with xid 0x{m.xid:06x}")
    require(len(series.messages) >= REQ.mrc, "RFC 9915 18.2.2/15: the client retransmits the unanswered Request "
                                             f"until REQ_MAX_RC ({REQ.mrc}) transmissions",
            f"{REQ.mrc} transmissions", f"{len(series.messages)} ({series.describe()}), then none within the RT the "
                                        "formula allows")
    last = series.messages[-1]
    after = lab.timeline.messages(lambda m: lab.from_dut(m) and m.time > last.time
                                  and (m.msg_type == SOLICIT or (m.msg_type == REQUEST and not to_chosen(m))))
    action = ("Request to " + other.described if after and after[0].msg_type == REQUEST else
              "Solicit" if after else "nothing (terminated)")
    lab.record("after_failure", action + (f" {seconds(after[0].time - last.time)} after the last Request"
                                          if after else ""))

"""Server selection by a DHCPv6 client: Preference option, the first RT, Solicit retransmission.

Levels: where the quoted sentence carries a BCP 14 keyword the case takes it; where the RFC states the behaviour as
fact with no alternative ("the client immediately begins", "acts ... without waiting"), the case is MUST.
Times are kernel capture timestamps on the DUT's bridge port; `tol` is the profile's timing tolerance.
"""
import pytest

from conformance.caseinfo import MUST, SHOULD, case
from conformance.retransmission import require_series
from conformance.testbed import CAPTURE_SLACK
from conformance.verdict import observed, precondition, require, require_in, require_server, seconds
from conformance.wire.constants import ADVERTISE, REQUEST
from conformance.wire.timing import RFC9915, Window, first_rt_window

pytestmark = pytest.mark.behind_relay  # the same verdicts hold for a client whose servers sit behind a relay

SOL = RFC9915["SOLICIT"]
IRT = SOL.irt
FIRST_RT = first_rt_window(SOL, strictly_above_irt=True)      # (IRT, 1.1 IRT]
REQUEST_WAIT = FIRST_RT.high + 2 * FIRST_RT.high * 1.1 + 1.0  # by then any client has acted on an Advertise
LATE = 0.3  # seconds: "a few hundred milliseconds later", well inside the first RT
SOLICITS_WATCHED = 5  # four RTs: about 16 s
COLLECT_RULE = ("RFC 9915 18.2.1: \"A client MUST collect valid Advertise messages for the first RT seconds, unless "
                "it receives a valid Advertise message with a preference value of 255\" (first RT > IRT)")


def advertise_from(lab, server, solicit, within):
    """The first Advertise `server` delivered to the DUT within `within` seconds of `solicit`: the scenario, checked
    before the DUT is judged. Waits for that moment to pass, so it is judged on the whole window; a late server is
    the harness's fault (ERROR), not the DUT's."""
    lab.wait_until(solicit.time + within + CAPTURE_SLACK)
    adverts = lab.received(ADVERTISE, after=solicit, until=solicit.time + within, sender=server)
    precondition(bool(adverts), f"fake server {server.described} delivered no Advertise to the DUT within "
                                f"{within:.3f} s of the first Solicit")
    return adverts[0]


def first_request(lab, solicit):
    return observed(lab.expect(REQUEST, after=solicit, within=REQUEST_WAIT),
                    "RFC 9915 18.2.1: having received valid Advertise messages the client sends a Request",
                    f"a Request within {REQUEST_WAIT:.1f} s of the first Solicit", "no Request")


def _require_server(lab, request, server, requirement, solicit, advert):
    """The Request names `server`; the verdict gives the times of that server's Advertise and of the Request."""
    lab.record("request_server", lab.named(request), f"Request to {server.described}")
    require_server(request, server, lab.servers, f"{requirement} (its Advertise arrived "
                   f"{seconds(advert.time - solicit.time)} after the first Solicit, the Request "
                   f"{seconds(request.time - solicit.time)})")


def _require_first_rt_wait(lab, request, solicit):
    """The MUST of 18.2.1, judged in every scenario where no preference-255 Advertise reached the DUT before its
    Request, beside the case's own point: whatever it chooses, it chooses after the first RT."""
    waited = request.time - solicit.time
    collect = Window(IRT - lab.tolerance, float("inf"), low_open=True)
    lab.band("first RT ends: (IRT, 1.1 IRT] after the first Solicit", solicit.time + FIRST_RT.low,
             solicit.time + FIRST_RT.high)
    lab.record("solicit_to_request", seconds(waited), f"{collect} (first RT > IRT {IRT:.0f} s, minus tolerance)")
    require_in(waited, collect, COLLECT_RULE, "Request {} after the first Solicit", level=MUST)
    lab.sample("request_wait", waited)  # the first RT as the Request shows it, once it is one


def _require_at_once(lab, request, trigger, solicit, requirement):
    """Sent before the first RT could have ended: any wait the RFC describes lasts longer than IRT."""
    lab.record("advertise_to_request", seconds(request.time - trigger.time))
    lab.record("solicit_to_request", seconds(request.time - solicit.time), f"< {IRT - lab.tolerance:.3f} s")
    require(request.time < solicit.time + IRT - lab.tolerance, requirement,
            f"Request at once, before the first RT could end (< {IRT - lab.tolerance:.3f} s after the first "
            f"Solicit: IRT {IRT:.0f} s minus tolerance)",
            f"Request {seconds(request.time - trigger.time)} after that Advertise, "
            f"{seconds(request.time - solicit.time)} after the first Solicit")


@case("C-PREF-255", rfc=["RFC 9915 18.2.1", "RFC 3315 17.1.2", "RFC 6853 5.3"], level=MUST, requires=("ia_na",))
def test_preference_255_requests_at_once(lab):
    """An Advertise with preference 255 makes the client Request from that server at once.

    RFC 9915 18.2.1: "A client MUST collect valid Advertise messages for the first RT seconds, unless it receives a
    valid Advertise message with a preference value of 255. [...] If the client receives a valid Advertise message
    that includes a Preference option with a preference value of 255, the client immediately begins a
    client-initiated message exchange (as described in Section 18.2.2) by sending a Request message to the server
    from which the Advertise message was received."
    RFC 6853 5.3: "DHCPv6 clients must recognize and adhere to the processing of the advertised DHCPv6 preference
    option sent by the DHCPv6 servers."
    """
    # The 255 Advertise arrives first and the lower one 0.1 s later, so the verdict never hangs on which of two
    # simultaneous Advertises won the race (C-PREF-LATE-255 judges the other order).
    lab.server(preference=10, advertise_delay=0.1)
    top = lab.server(preference=255)
    lab.start_dut()
    solicit = lab.first_solicit()
    advert = advertise_from(lab, top, solicit, within=IRT - lab.tolerance)
    request = first_request(lab, solicit)
    _require_server(lab, request, top, "RFC 9915 18.2.1: the Request goes to the server whose Advertise had "
                                       "preference 255", solicit, advert)
    _require_at_once(lab, request, advert, solicit,
                     "RFC 9915 18.2.1: on a preference-255 Advertise the client immediately sends Request")


@case("C-PREF-WAIT", rfc=["RFC 9915 18.2.1", "RFC 3315 17.1.2"], level=MUST, requires=("ia_na",))
def test_waits_for_first_rt_without_preference_255(lab):
    """With only lower-preference Advertises, no Request goes out before the first RT has elapsed.

    RFC 9915 18.2.1: "the first RT MUST be selected to be strictly greater than IRT by choosing RAND to be strictly
    greater than 0. A client MUST collect valid Advertise messages for the first RT seconds, unless it receives a
    valid Advertise message with a preference value of 255. [...] If the client receives a valid Advertise message
    that does not include a Preference option with a preference value of 255, the client continues to wait until
    the first RT elapses."
    """
    low = lab.server(preference=10)
    lab.server(preference=20)
    lab.start_dut()
    solicit = lab.first_solicit()
    advertise_from(lab, low, solicit, within=IRT - lab.tolerance)
    _require_first_rt_wait(lab, first_request(lab, solicit), solicit)


@case("C-PREF-ABSENT-WAIT", rfc=["RFC 9915 18.2.1", "RFC 3315 17.1.2"], level=MUST, requires=("ia_na",))
def test_advertise_without_preference_does_not_end_the_wait(lab):
    """An Advertise without a Preference option, the only one early in the first RT, does not end the collection.

    RFC 9915 18.2.1: "A client MUST collect valid Advertise messages for the first RT seconds, unless it receives a
    valid Advertise message with a preference value of 255. [...] Any valid Advertise that does not include a
    Preference option is considered to have a preference value of 0. [...] If the client receives a valid Advertise
    message that does not include a Preference option with a preference value of 255, the client continues to wait
    until the first RT elapses."
    """
    silent = lab.server(preference=None)
    lab.start_dut()
    solicit = lab.first_solicit()
    advertise_from(lab, silent, solicit, within=IRT - lab.tolerance)
    _require_first_rt_wait(lab, first_request(lab, solicit), solicit)


@case("C-PREF-HIGHEST", rfc=["RFC 9915 18.2.9", "RFC 9915 18.2.1", "RFC 3315 17.1.3", "RFC 6853 6.1"],
      level=SHOULD, requires=("ia_na",))
def test_requests_highest_preference(lab):
    """Of two Advertises received within the first RT, the client Requests from the higher preference.

    RFC 9915 18.2.9: "Those Advertise messages with the highest server preference value SHOULD be preferred over
    all other Advertise messages. The client MAY choose a less preferred server if that server has a better set of
    advertised parameters, such as the available set of IAs, as well as the set of other configuration options
    advertised." (Both fake servers advertise the same IAs and options, so that latitude does not apply.)
    """
    lab.server(preference=10)
    high = lab.server(preference=200, advertise_delay=LATE)
    lab.start_dut()
    solicit = lab.first_solicit()
    advert = advertise_from(lab, high, solicit, within=IRT)
    request = first_request(lab, solicit)
    _require_first_rt_wait(lab, request, solicit)
    _require_server(lab, request, high, "RFC 9915 18.2.9: the Advertise with the highest preference SHOULD be "
                                        "preferred", solicit, advert)


@case("C-PREF-ABSENT", rfc=["RFC 9915 18.2.1", "RFC 9915 18.2.9", "RFC 3315 17.1.2"], level=SHOULD, requires=("ia_na",))
def test_absent_preference_counts_as_zero(lab):
    """An Advertise without a Preference option counts as preference 0 and loses against preference 1.

    RFC 9915 18.2.1: "Any valid Advertise that does not include a Preference option is considered to have a
    preference value of 0."
    RFC 9915 18.2.9: "Those Advertise messages with the highest server preference value SHOULD be preferred over
    all other Advertise messages."
    """
    lab.server(preference=None)
    one = lab.server(preference=1, advertise_delay=LATE)
    lab.start_dut()
    solicit = lab.first_solicit()
    advert = advertise_from(lab, one, solicit, within=IRT)
    request = first_request(lab, solicit)
    _require_first_rt_wait(lab, request, solicit)
    _require_server(lab, request, one, "RFC 9915 18.2.1/18.2.9: no Preference option means preference 0, so "
                                       "preference 1 SHOULD be preferred", solicit, advert)


@case("C-PREF-LATE-255", rfc=["RFC 9915 18.2.1", "RFC 3315 17.1.2"], level=MUST, requires=("ia_na",))
def test_late_preference_255_ends_the_wait(lab):
    """A preference-255 Advertise arriving after a lower one, within the first RT, ends the wait at once.

    RFC 9915 18.2.1: "A client MUST collect valid Advertise messages for the first RT seconds, unless it receives a
    valid Advertise message with a preference value of 255. [...] If the client receives a valid Advertise message
    that includes a Preference option with a preference value of 255, the client immediately begins a
    client-initiated message exchange (as described in Section 18.2.2) by sending a Request message to the server
    from which the Advertise message was received."
    """
    lab.server(preference=10)
    top = lab.server(preference=255, advertise_delay=LATE)
    lab.start_dut()
    solicit = lab.first_solicit()
    advert = advertise_from(lab, top, solicit, within=IRT - lab.tolerance)
    request = first_request(lab, solicit)
    _require_server(lab, request, top, "RFC 9915 18.2.1: the Request goes to the server whose Advertise had "
                                       "preference 255", solicit, advert)
    require(request.time > advert.time, "RFC 9915 18.2.1: the client Requests on the preference-255 Advertise",
            f"Request after the preference-255 Advertise ({seconds(advert.time - solicit.time)} after the first "
            "Solicit)", f"Request {seconds(request.time - solicit.time)} after the first Solicit, before it")
    _require_at_once(lab, request, advert, solicit,
                     "RFC 9915 18.2.1: a preference-255 Advertise ends the collection at once")


@case("C-PREF-AFTER-RT", rfc=["RFC 9915 18.2.1", "RFC 3315 17.1.2"], level=MUST, requires=("ia_na",))
def test_acts_on_first_advertise_after_first_rt(lab):
    """When no Advertise arrives during the first RT, the client acts on the first later one without waiting again.

    RFC 9915 18.2.1: "If the client does not receive any valid Advertise messages before the first RT has elapsed,
    it then applies the retransmission mechanism described in Section 15. The client terminates the retransmission
    process as soon as it receives any valid Advertise message, and the client acts on the received Advertise
    message without waiting for any additional Advertise messages."
    """
    # Both answer every Solicit late: the first Advertise lands after the first RT, a better one 0.4 s later.
    first = lab.server(preference=10, advertise_delay=FIRST_RT.high + 0.4)
    lab.server(preference=200, advertise_delay=FIRST_RT.high + 0.8)
    lab.start_dut()
    solicit = lab.first_solicit()
    trigger = advertise_from(lab, first, solicit, within=FIRST_RT.high + 0.7)  # before the other's, at + 0.8
    earlier = lab.received(ADVERTISE, after=solicit, until=trigger.time)
    precondition(earlier[0] is trigger and trigger.time > solicit.time + FIRST_RT.high + lab.tolerance,
                 f"the first Advertise ({earlier[0].time - solicit.time:.3f} s after the first Solicit) came from "
                 f"{first.name} after the first RT")
    request = first_request(lab, solicit)
    _require_server(lab, request, first, "RFC 9915 18.2.1: after the first RT the client acts on the first valid "
                                         "Advertise it receives", solicit, trigger)
    delay = request.time - trigger.time
    lab.record("advertise_to_request", seconds(delay), f"< {IRT - lab.tolerance:.3f} s")
    require(delay < IRT - lab.tolerance,
            "RFC 9915 18.2.1: the client acts on the received Advertise without waiting for others",
            f"Request less than {IRT - lab.tolerance:.3f} s after the first Advertise (IRT minus tolerance: "
            f"any wait for more Advertises lasts an RT)",
            f"Request {delay:.3f} s after it")


@case("C-SOL-RT", rfc=["RFC 9915 15", "RFC 9915 16.1", "RFC 9915 18.2.1", "RFC 9915 21.9", "RFC 3315 14",
                       "RFC 3315 15.1", "RFC 3315 17.1.2"], level=MUST, requires=("ia_na",))
def test_solicit_retransmission(lab):
    """Unanswered Solicits are retransmitted with the same transaction ID, an updated Elapsed Time, and RTs that
    follow the formula.

    RFC 9915 16.1: "A client MUST leave the transaction ID unchanged in retransmissions of a message."
    RFC 9915 15: "The client MUST update an "elapsed-time" value within an Elapsed Time option (see Section 21.9)
    in the retransmitted message." "RT for the first message transmission is based on IRT: RT = IRT + RAND*IRT
    RT for each subsequent message transmission is based on the previous value of RT: RT = 2*RTprev + RAND*RTprev"
    "Each of the computations of a new RT includes a randomization factor (RAND), which is a random number chosen
    with a uniform distribution between -0.1 and +0.1."
    RFC 9915 18.2.1: "the first RT MUST be selected to be strictly greater than IRT by choosing RAND to be strictly
    greater than 0."
    RFC 9915 21.9: "The elapsed time is measured from the time at which the client sent the first message in the
    message exchange, and the elapsed-time field is set to 0 in the first message in the message exchange."
    Five transmissions (four RTs, three of them judged against the RT before) are watched; `soak` judges whether
    RAND is random across runs.
    """
    lab.start_dut()  # no server: every Solicit goes unanswered
    series = lab.transmissions(lab.first_solicit(), lab.reference.params["SOLICIT"], count=SOLICITS_WATCHED)
    lab.record("solicits", series.describe())
    lab.sample("first_rt", *series.rts[:1])
    lab.sample("rand", *series.effective_rand())
    lab.sample("rand_excess", *series.rand_excess(lab.tolerance))
    require(len(series.messages) == SOLICITS_WATCHED,
            "RFC 9915 15/18.2.1: an unanswered Solicit is retransmitted (MRC and MRD are 0)",
            f"{SOLICITS_WATCHED} Solicits, each within the RT the formula allows after the one before",
            f"{len(series.messages)} ({series.describe()}), then none")
    lab.band_series(series, "Solicit", strictly_above_irt=True)
    require_series(series, lab.tolerance, "Solicit", strictly_above_irt=True)

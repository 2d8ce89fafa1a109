"""Stateless DHCPv6 (RFC 3736, RFC 9915 section 18.2.6): Information-request to every server, configured by the
first Reply, refreshed no sooner than IRT_MINIMUM."""
from conformance.caseinfo import MUST, case
from conformance.verdict import observed, require, require_none, seconds
from conformance.wire import constants as c
from conformance.wire.timing import RFC9915

INF = RFC9915["INFORMATION-REQUEST"]
IRT_MINIMUM = 600
ORO_REQUIRED = {c.OPT_INFORMATION_REFRESH_TIME: "Information Refresh Time", c.OPT_INF_MAX_RT: "INF_MAX_RT"}
REFRESH_WATCH = 20.0  # seconds watched for a refresh that IRT_MINIMUM forbids (a full 600 s is not waited)



def _configured(lab, answering, judges_the_request=False):
    """The DUT's Information-request and the Reply from `answering` that configured it; the DUT must stop asking
    once it has that Reply (the exchange is over). A Reply that never came is the scenario's failure (ERROR), unless
    the server discarded the request by a rule of RFC 9915 16.12: that is the DUT's FAIL in the case that judges
    the Information-request (C-INFO-REQ), and an ERROR naming it elsewhere."""
    lab.start_dut()
    request = observed(lab.expect(c.INFORMATION_REQUEST),
                       "RFC 9915 18: the client sends an Information-request", "an Information-request",
                       "none")
    reply = lab.answer(request, answering, INF.irt * 4, judged_by=None if judges_the_request else "C-INFO-REQ")
    # A retransmission already scheduled would fall due within the next RT (at most 2.1 x 1.1 INF_TIMEOUT).
    watch_end = reply.time + INF.irt * 1.1 * 2.1 + lab.tolerance
    lab.wait_until(watch_end)
    ended = lab.ended_before(watch_end)
    if ended:  # the exchange is over: ending is allowed, but then "no retransmission" shows nothing
        lab.record("retransmission_after_reply", f"not judged: {ended}")
        return request, reply
    again = [m for m in lab.sent(c.INFORMATION_REQUEST, after=reply) if m.xid == request.xid]
    require_none(again, "RFC 9915 15: the message exchange terminates when the client receives the response",
                 f"no retransmission of the Information-request within {seconds(watch_end - reply.time)} of the "
                 "Reply", lambda m: f"retransmitted {seconds(m.time - reply.time)} after the Reply")
    return request, reply


@case("C-INFO-REQ", rfc=["RFC 9915 18.2.6", "RFC 9915 18", "RFC 9915 16.12", "RFC 9915 21.23", "RFC 9915 21.25",
                         "RFC 3736 5.1"],
      level=MUST, requires=("stateless",))
def test_information_request_two_servers(lab):
    """With two servers answering, the client sends a well-formed Information-request and is configured by a Reply.

    RFC 9915 18: "the client first sends an Information-request message (see Section 18.2.6) to the
    All_DHCP_Relay_Agents_and_Servers multicast address. Servers respond with a Reply message containing the
    configuration information for the client".
    RFC 9915 18.2.6: "The client MUST include an Elapsed Time option (see Section 21.9) [...] The client MUST include
    an Option Request option (see Section 21.7) to request the INF_MAX_RT option (see Section 21.25), the Information
    Refresh Time option (see Section 21.23), and any other options the client is interested in receiving."
    RFC 9915 16.12: "Servers MUST discard any received Information-request message that meets any of the following
    conditions: [...] the message includes an IA option."
    """
    first = lab.server(preference=None)
    lab.server(preference=None)
    request, _ = _configured(lab, first, judges_the_request=True)
    require(request.dst == c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS,
            "RFC 9915 18: the Information-request goes to All_DHCP_Relay_Agents_and_Servers",
            c.ALL_DHCP_RELAY_AGENTS_AND_SERVERS, request.dst)
    require(request.elapsed is not None, "RFC 9915 18.2.6: the client MUST include an Elapsed Time option",
            "Elapsed Time option", "none")
    require(not request.ias, "RFC 9915 16.12: servers MUST discard an Information-request that includes an IA "
                             "option", "no IA option", ", ".join(f"IA_{ia.kind.upper()}" for ia in request.ias))
    lab.record("oro", ",".join(map(str, sorted(request.requested))), "includes 32 and 83")
    missing = [f"{name} ({code})" for code, name in ORO_REQUIRED.items() if code not in request.requested]
    require(not missing, "RFC 9915 18.2.6: the client MUST include an Option Request option to request the INF_MAX_RT "
                         "option and the Information Refresh Time option",
            "options 32 and 83 in the Option Request option",
            f"no {' or '.join(missing)} in the ORO {sorted(request.requested) or '(absent)'}")


@case("C-INFO-OUTAGE", rfc=["RFC 9915 18.2.6", "RFC 9915 15", "RFC 6853 5.1"], level=MUST, requires=("stateless",))
def test_information_request_one_server_out(lab):
    """With one of two servers out, the client is still configured by the other.

    RFC 9915 18: "To obtain configuration information, the client first sends an Information-request message (see
    Section 18.2.6) to the All_DHCP_Relay_Agents_and_Servers multicast address. Servers respond with a Reply message
    containing the configuration information for the client".
    RFC 9915 15: "If a DHCP client fails to receive an expected response from a server, the client must retransmit
    its message according to the retransmission strategy described below."
    """
    lab.server(preference=None).silence()
    survivor = lab.server(preference=None)
    _configured(lab, survivor)


@case("C-INFO-REFRESH", rfc=["RFC 9915 21.23", "RFC 9915 7.6"], level=MUST, requires=("stateless",))
def test_information_refresh_time_floor(lab):
    """An Information Refresh Time below IRT_MINIMUM (600 s) is raised to it: no refresh comes early.

    RFC 9915 21.23: "A client MUST use the refresh time IRT_MINIMUM if it receives the option with a value less than
    IRT_MINIMUM." RFC 9915 7.6: "IRT_MINIMUM 600 secs".
    The server sends 5 s; the case watches 20 s after the Reply for an early refresh (it does not wait the full
    600 s for the refresh itself).
    """
    server = lab.server(preference=None, information_refresh_time=5)
    _, reply = _configured(lab, server)
    lab.wait_until(reply.time + REFRESH_WATCH)
    lab.require_running(reply.time + REFRESH_WATCH, "an early refresh",
                        exit_allowed='RFC 9915 21.23 makes the refresh time "an upper bound for how long a client '
                                     'should wait before refreshing", not a requirement to keep running')
    early = lab.sent(c.INFORMATION_REQUEST, after=reply)
    lab.record("refresh_after_reply", seconds(early[0].time - reply.time) if early else f"none in {REFRESH_WATCH} s",
               f">= {IRT_MINIMUM} s")
    require(not early, "RFC 9915 21.23: a client MUST use the refresh time IRT_MINIMUM if the option is smaller",
            f"no Information-request within {REFRESH_WATCH:.0f} s of a Reply carrying refresh time 5 s "
            f"(IRT_MINIMUM {IRT_MINIMUM} s)",
            f"Information-request {seconds(early[0].time - reply.time)} after the Reply" if early else "")

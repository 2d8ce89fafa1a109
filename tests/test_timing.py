"""RFC 9915 section 15 windows."""
from conformance.wire.timing import RFC3315, RFC9915, Window, first_rt_window, next_rt_window


def test_first_solicit_rt_is_strictly_above_irt():
    window = first_rt_window(RFC9915["SOLICIT"], strictly_above_irt=True)
    assert 1.0 not in window and 1.0001 in window and 1.1 in window and 1.1001 not in window


def test_first_rt_of_other_messages_is_symmetric():
    window = first_rt_window(RFC9915["REQUEST"])
    assert 0.9 in window and 1.1 in window and 0.89 not in window


def test_next_rt_doubles_with_rand():
    window = next_rt_window(RFC9915["SOLICIT"], 1.05)
    assert (round(window.low, 4), round(window.high, 4)) == (1.995, 2.205)


def test_next_rt_is_capped_by_mrt():
    window = next_rt_window(RFC9915["REQUEST"], 29.0)  # REQ_MAX_RT 30
    assert window.high == 33.0 and window.low == 27.0


def test_rfc3315_differs_where_it_did():
    assert (RFC3315["SOLICIT"].mrt, RFC9915["SOLICIT"].mrt) == (120, 3600)


def test_widened_window_keeps_strictness():
    window = Window(1.0, 1.1, low_open=True).widened(0.05)
    assert 0.95 not in window and 0.951 in window and 1.15 in window


# --- a series of transmissions, judged (conformance.retransmission) ---------------------------------------------
import pytest  # noqa: E402

from conformance.results import Level, Violation  # noqa: E402
from conformance.retransmission import Series, require_mrc, require_series  # noqa: E402
from conformance.wire import codec  # noqa: E402
from conformance.wire.constants import REQUEST, SOLICIT  # noqa: E402
from conformance.wire.frame import Message  # noqa: E402


def _series(msg_type, rts, params, xid=0x123456, first_rt_elapsed=True):
    times = [100.0]
    for rt in rts:
        times.append(times[-1] + rt)
    messages = [Message(t, "02:00:00:00:00:01", "33:33:00:01:00:02", "fe80::1", "ff02::1:2", 546, 547,
                        codec.decode(codec.encode(msg_type, xid, [codec.elapsed_time(round((t - times[0]) * 100))])))
                for t in times]
    return Series(tuple(messages), params)


def test_a_correct_series_passes_even_when_a_timer_fired_late_by_the_tolerance():
    # RT 1 fired 50 ms late (RT 1.0 intended), RT 2 = 1.9 x 1.0: a correct client; the window must admit it.
    require_series(_series(SOLICIT, [1.05 + 0.0001, 1.9, 3.8], RFC9915["SOLICIT"]), 0.05, "Solicit",
                   strictly_above_irt=True)


def test_rand_of_0_2_is_a_violation_of_the_formula():
    with pytest.raises(Violation, match="RT = 2\\*RTprev"):
        require_series(_series(SOLICIT, [1.05, 2.31, 4.158, 9.148], RFC9915["SOLICIT"]), 0.05, "Solicit")


def test_a_first_solicit_rt_below_irt_is_a_violation():
    with pytest.raises(Violation, match="strictly greater than 0"):
        require_series(_series(SOLICIT, [0.5, 1.0], RFC9915["SOLICIT"]), 0.05, "Solicit", strictly_above_irt=True)


def _request_series(count):
    rts, rt = [], 1.0
    for _ in range(count - 1):
        rts.append(rt)
        rt = min(2 * rt, 30.0)
    return _series(REQUEST, rts, RFC9915["REQUEST"])


def test_mrc_ambiguity_10_passes_11_warns_12_fails():
    require_mrc(_request_series(10), "Request")
    with pytest.raises(Violation) as eleven:
        require_mrc(_request_series(11), "Request")
    assert eleven.value.level == Level.SHOULD and "two readings" in str(eleven.value)
    with pytest.raises(Violation) as twelve:
        require_mrc(_request_series(12), "Request")
    assert twelve.value.level is None  # the case's own level: MUST


def test_effective_rand_and_excess_are_what_soak_judges():
    series = _series(SOLICIT, [1.05, 2.1, 4.41], RFC9915["SOLICIT"])
    assert [round(r, 3) for r in series.effective_rand()] == [0.0, 0.1]
    assert all(e < 0 for e in series.rand_excess(0.05))

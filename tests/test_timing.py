"""RFC 8415 section 15 windows."""
from conformance.wire.timing import RFC3315, RFC8415, Window, first_rt_window, next_rt_window


def test_first_solicit_rt_is_strictly_above_irt():
    window = first_rt_window(RFC8415["SOLICIT"], strictly_above_irt=True)
    assert 1.0 not in window and 1.0001 in window and 1.1 in window and 1.1001 not in window


def test_first_rt_of_other_messages_is_symmetric():
    window = first_rt_window(RFC8415["REQUEST"])
    assert 0.9 in window and 1.1 in window and 0.89 not in window


def test_next_rt_doubles_with_rand():
    window = next_rt_window(RFC8415["SOLICIT"], 1.05)
    assert (round(window.low, 4), round(window.high, 4)) == (1.995, 2.205)


def test_next_rt_is_capped_by_mrt():
    window = next_rt_window(RFC8415["REQUEST"], 29.0)  # REQ_MAX_RT 30
    assert window.high == 33.0 and window.low == 27.0


def test_rfc3315_differs_where_it_did():
    assert (RFC3315["SOLICIT"].mrt, RFC8415["SOLICIT"].mrt) == (120, 3600)


def test_widened_window_keeps_strictness():
    window = Window(1.0, 1.1, low_open=True).widened(0.05)
    assert 0.95 not in window and 0.951 in window and 1.15 in window

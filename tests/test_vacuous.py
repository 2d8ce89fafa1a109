"""A verdict that something did not happen needs a DUT that was running through the window (Testbed.require_running):
SKIP where the RFC lets the DUT end, ERROR otherwise, and never SKIP for a crash (the plugin makes that a FAIL)."""
import pytest

from conformance.dut.process import Ending
from conformance.lab.timeline import Timeline
from conformance.results import HarnessError
from conformance.testbed import ClientTestbed


class _EndedDut:
    def __init__(self, ending):
        self._ending = ending

    def ending(self):
        return self._ending


def _testbed(ending):
    testbed = object.__new__(ClientTestbed)  # no lab: only the bookkeeping require_running reads
    testbed.timeline = Timeline()
    testbed.timeline.origin = 100.0
    testbed.duts = lambda: [("the DUT", _EndedDut(ending), set())]
    return testbed


def test_a_dut_running_through_the_window_is_judged():
    _testbed(None).require_running(110.0, "an early refresh", exit_allowed="allowed")
    _testbed(Ending(111.0, 0)).require_running(110.0, "an early refresh")


def test_an_allowed_exit_before_the_end_is_a_skip_saying_so():
    with pytest.raises(pytest.skip.Exception, match=r"not judged: the DUT exited with status 0 at \+5.000 s.*because"):
        _testbed(Ending(105.0, 0)).require_running(110.0, "an early refresh", exit_allowed="because")


def test_an_exit_the_rfc_does_not_allow_is_an_error():
    with pytest.raises(HarnessError, match="not running shows nothing"):
        _testbed(Ending(105.0, 0)).require_running(110.0, "a Renew after T2")


def test_a_crash_is_never_a_skip():
    with pytest.raises(HarnessError):
        _testbed(Ending(105.0, -11)).require_running(110.0, "an early refresh", exit_allowed="because")

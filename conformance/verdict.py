"""Assertions in the words of the requirement: expected against actual, with the times that decide it."""
from .results import HarnessError, Violation
from .wire.frame import Message


def require(condition: bool, requirement: str, expected: str, actual: str) -> None:
    if not condition:
        raise Violation(requirement, expected, actual)


def observed(message: Message | None, requirement: str, expected: str, actual: str) -> Message:
    """The message, or a Violation saying it never came."""
    require(message is not None, requirement, expected, actual)
    return message


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def precondition(condition: bool, scenario: str) -> None:
    """The case's scenario held (a fake server answered, a peer's message went out), or the case is ERROR: nothing
    is judged of the DUT on a scenario that did not happen."""
    if not condition:
        raise HarnessError(f"the scenario did not hold: {scenario}")

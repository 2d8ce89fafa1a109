"""Assertions in the words of the requirement: expected against actual, with the times that decide it."""
from .results import Violation
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

"""Assertions in the words of the requirement: each takes the values that decide it and builds the expected and
actual text from them, so a case reads as its scenario plus its requirements (h2spec's verifiers are the model)."""
from .results import HarnessError, Level, Violation
from .wire.frame import Message
from .wire.timing import Window


def require(condition: bool, requirement: str, expected: str, actual: str, level: Level | None = None) -> None:
    """`level` overrides the case's own where one case judges a MUST beside its SHOULD, or where a second reading
    of the text makes a stricter requirement only a SHOULD (see `ambiguous`)."""
    if not condition:
        raise Violation(requirement, expected, actual, level)


def observed(message: Message | None, requirement: str, expected: str, actual: str) -> Message:
    """The message, or a Violation saying it never came."""
    require(message is not None, requirement, expected, actual)
    return message


def seconds(value: float) -> str:
    return f"{value:.3f} s"


def require_in(value: float, window: Window, requirement: str, what: str, level: Level | None = None) -> None:
    """`what` (a sentence with one {} for the value, e.g. "Request {} after the first Solicit") lies in `window`."""
    bound = (f"{'more than' if window.low_open else 'at least'} {seconds(window.low)}" if window.high == float("inf")
             else f"in {window}")
    require(value in window, requirement, what.format(bound), what.format(seconds(value)), level)


def require_none(found: list[Message], requirement: str, expected: str, describe, level: Level | None = None) -> None:
    """Nothing that should not have happened did; `describe(first)` says what came instead."""
    require(not found, requirement, expected, describe(found[0]) if found else "", level)


def ambiguous(condition_all: bool, condition_one: bool, requirement: str, readings: tuple[str, str],
              expected: str, actual: str) -> None:
    """Where the RFC text admits two readings: FAIL what every reading forbids (`condition_all` false), WARN what
    only the stricter one forbids (`condition_one` false). Both sentences are quoted in the verdict."""
    quoted = f"{requirement} (the text has two readings: {readings[0]} / {readings[1]})"
    require(condition_all, quoted, expected, actual)
    require(condition_one, quoted + "; only the stricter reading forbids this", expected, actual, Level.SHOULD)


def server_for(message: Message, servers):
    """The lab server whose DUID `message`'s Server ID carries, or None."""
    return next((s for s in servers if s.duid == message.server_id), None)


def server_named(message: Message, servers) -> str:
    """The lab server `message`'s Server ID names, as a lab engineer reads it: "s2 (preference 200)"."""
    server = server_for(message, servers)
    if server is not None:
        return server.described
    return f"an unknown server ({message.server_id.hex()})" if message.server_id else "no Server ID"


def require_server(message: Message, server, servers, requirement: str, level: Level | None = None) -> None:
    """`message` names `server` in its Server ID; `servers` (the lab's) name the one it named instead."""
    kind = message.name.title()
    require(message.server_id == server.duid, requirement, f"{kind} to {server.described}",
            f"{kind} to {server_named(message, servers)}", level)


def precondition(condition: bool, scenario: str) -> None:
    """The case's scenario held (a fake server answered, a peer's message went out), or the case is ERROR: nothing
    is judged of the DUT on a scenario that did not happen."""
    if not condition:
        raise HarnessError(f"the scenario did not hold: {scenario}")


def prerequisite(condition: bool, missing: str, judged_by: str) -> None:
    """What the case builds on is another case's requirement: when the DUT broke it, this case is ERROR naming the
    case whose verdict that is, never a second FAIL for one fault (nor a verdict on a scenario that never began)."""
    if not condition:
        raise HarnessError(f"not judged: {missing}; {judged_by} judges that")

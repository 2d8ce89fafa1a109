"""Errors that map to the command line's exit statuses (DESIGN.md): 2 for bad input, 3 for an unfit environment."""


class UsageError(Exception):
    """Bad input: an unknown case, a bad profile, a missing program. Exit status 2."""

    exit_status = 2


class EnvironmentUnfit(Exception):
    """The machine cannot host the lab: no root, a missing kernel feature. Exit status 3."""

    exit_status = 3

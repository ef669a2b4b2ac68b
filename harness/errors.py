"""The errors the command line turns into one line and an exit status."""

from __future__ import annotations

import traceback


class UsageError(ValueError):
    """Bad usage or bad input: the CLI prints this one line and exits with status 2."""


def last_line(error: BaseException) -> str:
    """The one line that says what went wrong (the exception's type and message)."""
    lines = traceback.format_exception_only(type(error), error)
    return lines[-1].strip() if lines else repr(error)

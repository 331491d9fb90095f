"""The errors factlog raises for bad input or a damaged log.

Every error here is a user-facing problem: the CLI prints its message on one line after ``Error:`` and exits 1.
"""


class FactlogError(Exception):
    """Base of all errors a user can cause or fix.

    ``code`` names the situation for a front end that wants to add advice of its own (the CLI adds which command
    to run); the library's message names no command or flag.
    """

    def __init__(self, message: str = "", code: str | None = None):
        super().__init__(message)
        self.code = code


class InvalidInput(FactlogError):
    """A value given by the user (an id, a time, a rating, an event payload) is not acceptable."""


class NotFound(FactlogError):
    """A fact, source or event named by the user is not in the log."""


class Conflict(FactlogError):
    """The request contradicts the log: a duplicate id, an event id re-used with other content."""


class LogUnavailable(FactlogError):
    """The log file is missing, unreadable, not writable, or not a factlog log."""


class LogWarning(UserWarning):
    """Something about the log a user should know, which does not stop the command (e.g. a network file system)."""


class IntegrityError(FactlogError):
    """The hash chain does not verify: the file was changed outside factlog."""

    def __init__(self, message: str, seq: int | None = None, code: str | None = "damaged"):
        super().__init__(message, code)
        self.seq = seq

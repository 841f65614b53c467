"""Exception hierarchy and the exit codes the command line maps them to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses."""

    OK = 0
    INTERNAL = 1
    USER_INPUT = 2
    CANNOT_WRITE = 74  # the output could not be written (sysexits.h EX_IOERR): a full disk
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away, as shell tools end


class TutorError(Exception):
    """Base class of every error the tool raises on purpose."""

    exit_code = ExitCode.INTERNAL


class InputError(TutorError):
    """Something is wrong with what the user gave: a file, a field, an option.

    The message is one line: ``file:line:col: field: what is wrong; what is expected``.
    """

    exit_code = ExitCode.USER_INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.detail = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self.format())

    def format(self) -> str:
        """The one-line message: where, which field, what."""
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.detail}"


def close_names(name: str, options: Iterable[str], *, most: int = 1,
                cutoff: float = 0.6) -> tuple[str, ...]:
    """The (at most ``most``) options closest to a misspelt ``name``, closest first."""
    import difflib

    return tuple(difflib.get_close_matches(name, list(options), n=most, cutoff=cutoff))


def did_you_mean(close: Sequence[str]) -> str:
    """``did you mean X?`` (``X or Y`` for several) for names from close_names; "" for none."""
    return f"did you mean {' or '.join(close)}?" if close else ""

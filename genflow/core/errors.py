"""Exception types shared by every layer.

`InputError` and its subclasses mean "the user's input is wrong": the CLI prints their one-line
message and exits with code 2. Anything else is a failure of ours or of the environment (exit 1)
and is left to propagate to Prefect's retry machinery.
"""

from __future__ import annotations


class GenflowError(Exception):
    """Base class of genflow's own errors."""


class InputError(GenflowError, ValueError):
    """Bad input from the user: a file, a field or an option. The message names it."""


class DataError(InputError):
    """A raw data file is malformed: wrong magic number, truncated, inconsistent counts, ..."""


class ConfigError(InputError):
    """A configuration value or a combination of values cannot work."""


class PathEscapeError(InputError):
    """A user-supplied name or path would resolve outside the artifact root."""


class SourceUnavailableError(GenflowError):
    """No source of raw data could be found or reached (not the user's file being wrong)."""


class Superseded(GenflowError):
    """This attempt no longer owns its run folder: a later attempt of the same training (a
    rescheduled run after this process was presumed dead) claimed it. Nothing more is written."""


def caused_by(error: BaseException | None, kind: type[BaseException]) -> BaseException | None:
    """``error`` or the first exception in its cause/context chain that is a ``kind``."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None

"""Stopping on SIGTERM or SIGHUP as on Ctrl-C: the one exception, and the request it answers.

The command line's handler (`cli._stop_signals`) records the request and raises `Stopped` where
the program is. Where Python would ignore an exception (inside a finaliser, `__del__`, such as a
Dask future's being collected), raising would lose the request: the handler then only records it,
and the batch raises it at its next step (`raise_if_requested`, called between chunks).
"""

from __future__ import annotations

import signal
from types import FrameType


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, like Ctrl-C's KeyboardInterrupt: every
    `finally` runs (the temporary file is removed, the workers and the Dask client shut down)."""

    def __init__(self, number: int):
        super().__init__(number)
        self.status = 128 + number
        self.why = "terminated" if number == signal.SIGTERM else "hung up"


_requested: list[int] = []  # the signal that asked the program to stop, once one has


def request(number: int, frame: FrameType | None) -> None:
    """Record a stop asked by signal `number`, and raise `Stopped` unless the signal came inside a
    finaliser (see the module's documentation)."""
    if not _requested:
        _requested.append(number)
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return
        frame = frame.f_back
    raise Stopped(number)


def raise_if_requested() -> None:
    """Raise `Stopped` when a stop was asked and not yet raised where it landed."""
    if _requested:
        raise Stopped(_requested[0])


def clear() -> None:
    _requested.clear()

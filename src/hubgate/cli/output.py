"""The process's standard streams: a report that cannot be written is one line, never a traceback, and a
closed stream never lends its number to a file hubgate opens.

Light on purpose (no typer, no rich): `hubgate --version` goes through here too.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable
from typing import Any

EXIT_USAGE = 2  # as hubgate.verdicts.exit_codes.EXIT_USAGE, without importing the verdict model
# A reader that stops reading (`| head`) ends the run quietly, with the status a shell gives a process
# that SIGPIPE killed (128 + 13), so `set -o pipefail` still sees that the output was cut.
EXIT_BROKEN_PIPE = 141


class OutputLost(Exception):
    """Writing stdout failed (a full disk, a closed pipe): the report did not reach its reader."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class GuardedStdout:
    """sys.stdout for a run: a failed write or flush raises OutputLost, which no handler meant for
    one repo or one file takes for its own; everything else is the real stream's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except OSError as exc:
            raise OutputLost(exc) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputLost(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class QuietStderr:
    """sys.stderr for a run: diagnostics that cannot be written (stderr on a full disk) are dropped;
    they must not turn a finished run into a crash."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class ClosedStdin(io.TextIOBase):
    """Standard input that was closed when hubgate started (`<&-`): not a terminal, prompts read end
    of file, and readers that need the input (`-f -`) see `closed` and say so in one line."""

    @property
    def closed(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> str:
        return ""

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return ""


class ClosedStdout(io.TextIOBase):
    """Standard output that was closed when hubgate started (`>&-`): the first write fails as writing
    to a closed descriptor does, so the lost report is told, not dropped in silence."""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def stdin_state() -> str | None:
    """None when stdin is a terminal to ask on; else what it is ("closed", "not a terminal"). A closed
    stdin (`<&-`) leaves Python no sys.stdin at all."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return "closed"
    try:
        return None if stream.isatty() else "not a terminal"
    except (OSError, ValueError):
        return "closed"


def reserve_standard_streams() -> None:
    """Hold every closed standard descriptor (0, 1, 2) with /dev/null. Otherwise the next file hubgate
    opens (the state database, the cache) takes its number, and a read of stdin or a print would read
    or overwrite that file."""
    for fd, name, flags in (
        (0, "stdin", os.O_RDONLY),
        (1, "stdout", os.O_WRONLY),
        (2, "stderr", os.O_WRONLY),
    ):
        if getattr(sys, name) is not None:
            continue
        try:
            held = os.open(os.devnull, flags)
            if held != fd:
                os.dup2(held, fd)
                os.close(held)
        except OSError:
            continue
        if name == "stdin":
            sys.stdin = ClosedStdin()
        elif name == "stdout":
            sys.stdout = ClosedStdout()
        else:  # nowhere to tell anything: diagnostics go to /dev/null
            sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)


def run_guarded(body: Callable[[], int]) -> int:
    """Run `body` with stdout guarded and flushed before it returns: a report lost to a full disk or an
    I/O error is one line on stderr and exit 2; a closed pipe (`| head`) is quiet. Either way the rest
    of the buffer is dropped, so Python's own flush at exit has nothing left to fail on."""
    real_out, real_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GuardedStdout(real_out), QuietStderr(real_err)
    try:
        code = body()
        sys.stdout.flush()
    except OutputLost as lost:
        code = _lost(lost.error)
    finally:
        sys.stdout, sys.stderr = real_out, real_err
    return code


def _lost(error: OSError) -> int:
    _drop_buffered_output()
    if error.errno == errno.EPIPE:
        return EXIT_BROKEN_PIPE
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        hint = "the disk behind stdout is full (or over quota): free some space and run again"
    elif error.errno == errno.EBADF:
        hint = "stdout is closed (>&-): redirect it to a file or /dev/null instead"
    else:
        hint = "check where stdout goes (a file on a failing disk, a closed terminal?), or use -o FILE"
    QuietStderr(sys.stderr).write(
        f"hubgate: error: cannot write the output ({error.strerror or error}); the report is lost\n"
        f"  hint: {hint}\n"
    )
    return EXIT_USAGE


def _drop_buffered_output() -> None:
    """Point stdout's descriptor at /dev/null: what is still buffered goes nowhere, quietly."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)

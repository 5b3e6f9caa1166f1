"""Exit codes and --fail-on: which verdicts fail a run. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from hubgate.verdicts.verdict import USABLE, Status, Verdict

EXIT_OK = 0
EXIT_ACTION = 1  # some repos need action, are missing, disabled or invalid
EXIT_USAGE = 2
EXIT_ERROR = 3  # Hub or network errors left some repos without a verdict
EXIT_INTERRUPTED = 130  # Ctrl-C: the shell's convention (128 + SIGINT)

FAIL_ON_HELP = (
    "What fails the run: 'action' (default: anything not usable), 'error' (only repos left without a verdict), "
    "'never', or a comma-separated list of statuses such as 'pending,rejected,error'."
)


class FailOnError(ValueError):
    pass


def parse_fail_on(value: str) -> frozenset[Status]:
    value = value.strip().lower()
    if value in ("action", "any", "not-usable"):
        return frozenset(Status) - USABLE
    if value == "error":
        return frozenset({Status.ERROR})
    if value == "never":
        return frozenset()
    names = [part.strip() for part in value.split(",") if part.strip()]
    known = {status.value: status for status in Status}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise FailOnError(
            f"--fail-on {value!r}: unknown status {', '.join(unknown) or '(empty)'}; "
            f"use action, error, never or statuses from: {', '.join(known)}"
        )
    return frozenset(known[name] for name in names)


def exit_code(verdicts: Iterable[Verdict], failing: frozenset[Status]) -> int:
    """3 when a failing verdict is an error (the picture is incomplete), else 1 when any fails, else 0."""
    statuses = {v.status for v in verdicts} & failing
    if Status.ERROR in statuses:
        return EXIT_ERROR
    return EXIT_ACTION if statuses else EXIT_OK

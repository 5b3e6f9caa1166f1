"""Exit codes and --fail-on: which verdicts fail a run. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from hubgate.inputs.words import canonical, close_match
from hubgate.verdicts.findings import FINDING_KINDS, UNPINNED
from hubgate.verdicts.verdict import USABLE, Status, Verdict

EXIT_OK = 0
EXIT_ACTION = 1  # some repos need action, are missing, disabled or invalid
EXIT_USAGE = 2
EXIT_ERROR = 3  # Hub or network errors left some repos without a verdict
EXIT_NOT_DELIVERED = 4  # watch: a notification could not be delivered (it stays queued for the next run)
EXIT_INTERRUPTED = 130  # Ctrl-C: the shell's convention (128 + SIGINT)

FAIL_ON_HELP = (
    "What fails the run: 'action' (default: anything not usable), 'error' (only repos left without a verdict), "
    "'never', or a comma-separated list of these, statuses such as 'pending,rejected,error' and pre-flight "
    "findings (remote-code, pickle, license, size, hub-scan, or 'findings' for these five; 'unpinned' for code "
    "that loads a repo without a revision), e.g. 'action,remote-code'."
)


class FailOnError(ValueError):
    """An unknown --fail-on word; `hint` names the word it was most likely meant to be."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def parse_fail_on(value: str) -> frozenset[str]:
    """Statuses (Status members) and finding kinds (plain strings) that fail the run. `licence` is read
    as `license` (`hubgate.inputs.words`)."""
    names = [canonical(part.strip()) for part in value.strip().lower().split(",") if part.strip()]
    known = {status.value: status for status in Status}
    groups: dict[str, frozenset[str]] = {
        "action": frozenset(Status) - USABLE,
        "any": frozenset(Status) - USABLE,
        "not-usable": frozenset(Status) - USABLE,
        "error": frozenset({Status.ERROR}),
        "never": frozenset(),
        "findings": frozenset(FINDING_KINDS) - {UNPINNED},
    }
    unknown = [
        name for name in names if name not in known and name not in groups and name not in FINDING_KINDS
    ]
    if unknown or not names:
        words = [*groups, *FINDING_KINDS, *known]
        guesses = {name: close_match(name, words) for name in unknown}
        hint = ""
        if unknown and all(guesses.values()):  # the whole value, each unknown word replaced
            hint = "did you mean " + repr(",".join(guesses.get(name) or name for name in names)) + "?"
        raise FailOnError(
            f"--fail-on {value.strip()!r}: unknown status {', '.join(unknown) or '(empty)'}; use action, error, never, "
            f"findings, finding kinds ({', '.join(FINDING_KINDS)}) or statuses from: {', '.join(known)}",
            hint=hint,
        )
    selected: set[str] = set()
    for name in names:
        selected |= groups.get(name) or {known.get(name) or name}
    return frozenset(selected)


def fails(verdict: Verdict, failing: frozenset[str]) -> bool:
    """Does this verdict fail the run: its status, or one of its findings, is selected."""
    return verdict.status in failing or any(finding.kind in failing for finding in verdict.findings)


def exit_code_for_verdicts(verdicts: Iterable[Verdict], failing: frozenset[str]) -> int:
    """3 when a failing verdict is an error (the picture is incomplete), else 1 when any fails (by status
    or by a finding selected in `failing`: "needs action"), else 0."""
    failed = [v for v in verdicts if fails(v, failing)]
    if any(v.status == Status.ERROR for v in failed):
        return EXIT_ERROR
    return EXIT_ACTION if failed else EXIT_OK

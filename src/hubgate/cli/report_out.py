"""Where a report goes: the terminal, stdout, or `-o FILE` (checked before any request, written whole
or not at all)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hubgate.cli.errors import fail_usage

if TYPE_CHECKING:
    from hubgate.check.report import Report
    from hubgate.inputs.policy import Policy

VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Add the run's bookkeeping to the summary: requests per bucket, quota left, cache, budget.",
    ),
]


def fail_on_origin(policy: Policy | None) -> str:
    """Where the run's fail-on came from, as the report names it: `--fail-on action,remote-code`, the
    policy file's key, or the default."""
    if policy is None:
        return "fail-on"
    setting = policy.settings["fail-on"]
    if setting.source == "default":
        return f"the default fail-on ({policy.fail_on})"
    if setting.source.startswith("--"):
        return f"{setting.source} {policy.fail_on}"
    source = setting.source
    if policy.file is not None:  # the file as the user would name it from here
        import os

        source = source.replace(str(policy.file), os.path.relpath(policy.file), 1)
    return f"{source} = {policy.fail_on}"


def print_report(
    report: Report,
    fmt: str,
    failing: frozenset[str],
    output: Path | None,
    *,
    verbose: bool = False,
    policy: Policy | None = None,
) -> None:
    """The terminal gets the table, unless another format goes to stdout; `output` gets the `fmt` text.
    The report learns what fails the run and where that rule came from, so it can say why the exit
    code is not 0."""
    report.failing, report.failing_from = failing, fail_on_origin(policy)
    if fmt == "table" and output is None:
        print_table(report, verbose=verbose)
        return
    from hubgate.render import cyclonedx, render_report

    try:
        text = render_report(report, fmt, failing=failing)
    except cyclonedx.MissingLibrary as exc:
        fail_usage(f"{exc}\n  hint: {cyclonedx.HINT}")
    if output is None:
        sys.stdout.write(text)
        return
    write_output(output, text)
    print_table(report, verbose=verbose)


def print_table(report: Report, *, verbose: bool = False) -> None:
    """The report's table on the terminal (Rich decides colour and width)."""
    from rich.console import Console

    from hubgate.render import table

    table.render_to(Console(soft_wrap=True, highlight=False), report, verbose=verbose)


def check_output_path(path: Path) -> None:
    """--output is checked before any request: a run must not spend its Hub quota, then fail to write."""
    import os

    if path.is_dir():
        fail_usage(f"--output {path}: is a directory; name a file in it (e.g. {path / 'report.txt'})")
    if _special(path):
        return  # /dev/stdout, a FIFO: written in place, whatever its folder allows
    parent = path.parent
    if not parent.is_dir():
        fail_usage(f"--output {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        fail_usage(f"--output {path}: directory {parent} is not writable")


def _special(path: Path) -> bool:
    """An existing target that is not a regular file (/dev/stdout, a FIFO, a terminal)."""
    import stat

    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def write_output(path: Path, text: str) -> None:
    """Write atomically: a reader (or a killed run) never sees half a report; scrubbed of tokens like
    everything printed. A device or a FIFO is written in place, as a shell redirect would: renaming over
    it would replace the device itself."""
    import os
    import tempfile

    from hubgate.inputs.secrets import scrub

    text = scrub(text)
    temp = None
    try:
        if _special(path):
            with path.open("w", encoding="utf-8") as file:
                file.write(text)
            return
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
        # mkstemp makes the file 0600; a report is no secret (tokens are scrubbed), so it gets the mode
        # any other tool's output would: 0666 less the user's umask.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None:  # a full disk must not leave half a report beside the target
            Path(temp).unlink(missing_ok=True)
        fail_usage(
            f"--output {path}: cannot write ({exc.strerror or exc}); the report is lost",
            hint="free some disk space, or give -o a path on another disk",
        )

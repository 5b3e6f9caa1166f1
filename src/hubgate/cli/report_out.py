"""Where a report goes: the terminal, stdout, and every `-o [FORMAT:]FILE` (checked before any request,
each written whole or not at all, all from the same run)."""

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


# A file's format from its name, longest suffix first (.cdx.json before .json).
EXTENSIONS = (
    (".cdx.json", "cyclonedx"),
    (".sarif", "sarif"),
    (".sarif.json", "sarif"),
    (".json", "json"),
    (".md", "markdown"),
    (".markdown", "markdown"),
    (".xml", "junit"),
)
SPEC_HINT = "write FORMAT:PATH (e.g. sarif:report.txt), or ./PATH for a file whose name has a colon"


def planned_outputs(specs: list[str] | None, fmt: str, formats: tuple[str, ...]) -> list[tuple[str, Path]]:
    """Each `-o [FORMAT:]PATH` as (format, path), checked before any request. The format is the prefix;
    else --format's when it is not the table and this is the only -o (the form of earlier versions);
    else the one the file's extension names; else --format's. A run renders once and writes them all."""
    planned: list[tuple[str, Path]] = []
    for spec in specs or ():
        prefix, colon, rest = spec.partition(":")
        if colon and prefix.lower() in formats:
            if not rest:
                fail_usage(f"--output {spec}: no file after {prefix}:", hint=SPEC_HINT)
            chosen, path = prefix.lower(), Path(rest)
        elif colon and prefix.replace("-", "").isalnum() and not Path(spec).exists():
            # `sarf:x.sarif` is a misspelt format far more often than a file name with a colon
            fail_usage(f"--output {spec}: {prefix!r} is not a format: use {', '.join(formats)}", SPEC_HINT)
        elif fmt != "table" and len(specs or ()) == 1:  # `--format sarif -o FILE`, as in earlier versions
            chosen, path = fmt, Path(spec)
        else:
            path = Path(spec)
            chosen = next((f for ext, f in EXTENSIONS if path.name.lower().endswith(ext)), fmt)
            if chosen not in formats:
                fail_usage(f"--output {spec}: this command does not write {chosen}", hint=SPEC_HINT)
        if any(path == taken for _, taken in planned):
            fail_usage(f"--output {path}: given twice", hint="name each report file once")
        check_output_path(path)
        planned.append((chosen, path))
    return planned


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
    outputs: list[tuple[str, Path]],
    *,
    verbose: bool = False,
    policy: Policy | None = None,
) -> None:
    """Every `-o` file gets its format, each rendered once from the one run; stdout gets --format, or the
    terminal table when that format went to a file already. The report learns what fails the run and
    where that rule came from, so it can say why the exit code is not 0."""
    report.failing, report.failing_from = failing, fail_on_origin(policy)
    from hubgate.render import cyclonedx, render_report

    to_files = {chosen for chosen, _ in outputs}
    texts: dict[str, str] = {}
    try:
        for chosen in to_files | ({fmt} - {"table"}):
            texts[chosen] = render_report(report, chosen, failing=failing)
    except cyclonedx.MissingLibrary as exc:
        fail_usage(str(exc), hint=cyclonedx.HINT)
    for chosen, path in outputs:
        write_output(path, texts[chosen])
    if fmt == "table" or fmt in to_files:
        print_table(report, verbose=verbose)
    else:
        sys.stdout.write(texts[fmt])


def load_renderers(fmt: str, outputs: list[tuple[str, Path]]) -> None:
    """Import what `print_report` will need for `fmt` and the `-o` files, while a check waits for its
    first answers (its `meanwhile`): for the terminal table that is rich, about 30 ms of a one-model
    check. Only a head start: whatever fails here is imported again, and reported, when printing."""
    import importlib

    from hubgate.render import RENDERERS

    modules = [module for chosen in {fmt, *(f for f, _ in outputs)} for module in RENDERERS.get(chosen, ())]
    if fmt == "table":
        modules.append("hubgate.cli.formats")
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # a head start only: printing imports it again and says what went wrong
            continue


def print_table(report: Report, *, verbose: bool = False) -> None:
    """The report's table on the terminal: lines wrap at its width (at spaces: an id stays whole)."""
    from hubgate.cli.formats import table_console
    from hubgate.render import table
    from hubgate.render.layout import hanging

    hanging(table_console(), lambda console: table.render_to(console, report, verbose=verbose))


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

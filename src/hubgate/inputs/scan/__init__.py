"""`hubgate scan`: the Hub models and datasets a codebase depends on, each at the places it is used.

Reads files only; never imports the Hub client or sends a request. Other commands call `scan_refs`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace

from hubgate.inputs.bounded import UnreadableFile, read_capped
from hubgate.inputs.refs import RepoRef
from hubgate.inputs.scan.model import Dynamic, Found, Place, ScanResult, Skipped
from hubgate.inputs.scan.walker import MAX_BYTES, Target, walk

__all__ = [
    "Dynamic",
    "Found",
    "Place",
    "ScanResult",
    "Skipped",
    "may_name_a_repo",
    "scan_file",
    "scan_paths",
    "scan_refs",
]


def scan_file(text: str, name: str, kind: str) -> tuple[list[Found], list[Dynamic], list[str]]:
    """(found, dynamic, problems) for one file's text; `kind` as `walker.kind_of` names it. A config that
    costs past the bounds (a YAML alias bomb, nesting past `bounded.MAX_NESTING`) raises UnreadableFile."""
    if kind == "python":
        from hubgate.inputs.scan.python import scan_python

        found, dynamic, problem = scan_python(text, name)
        return found, dynamic, [problem] if problem else []
    if kind == "notebook":
        from hubgate.inputs.scan.notebook import scan_notebook

        return scan_notebook(text, name)
    if kind in ("yaml", "json", "toml"):
        from hubgate.inputs.scan import config

        found, dynamic, problem = {
            "yaml": config.scan_yaml,
            "json": config.scan_json,
            "toml": config.scan_toml,
        }[kind](text, name)
        if kind == "yaml":  # CI files: `run:` and `script:` lines are shell
            from hubgate.inputs.scan.shell import scan_shell

            shell_found, shell_dynamic = scan_shell(text, name)
            found, dynamic = found + shell_found, dynamic + shell_dynamic
        return found, dynamic, [problem] if problem else []
    if kind == "shell":
        from hubgate.inputs.scan.shell import scan_shell

        found, dynamic = scan_shell(text, name)
        return found, dynamic, []
    if kind == "list":
        from hubgate.inputs.scan.config import scan_list

        return scan_list(text, name), [], []
    raise ValueError(f"unknown file kind {kind!r}")


@functools.cache
def _triggers(kind: str) -> tuple[bytes, ...]:
    """The words without which a file of this kind names no repo: each scanner's own pre-filter, as
    bytes, so that a file is judged before it is decoded. Empty: every file of the kind is read."""
    from hubgate.inputs.scan import config, python, shell

    words: tuple[str, ...] = {
        "python": python.TRIGGERS,
        "notebook": (*python.TRIGGERS, "download"),
        "yaml": (*config.TRIGGERS, *shell.TRIGGERS),  # CI files: their `run:` lines are shell
        "json": config.TRIGGERS,
        "toml": config.TRIGGERS,
        "shell": shell.TRIGGERS,
    }.get(kind, ())
    return tuple(word.encode("ascii") for word in words)


def may_name_a_repo(data: bytes, kind: str) -> bool:
    """False when the file's bytes hold none of its kind's trigger words, so no scanner could find a repo
    in it (the words are ASCII: present in the bytes exactly when present in the decoded text). The
    byte-level test is how a 10,000-file tree is scanned at a few times the cost of `grep -r`."""
    words = _triggers(kind)
    if not words:
        return True
    for word in words:  # noqa: SIM110 (a generator per file costs more than the search itself)
        if word in data:
            return True
    return False


def scan_paths(
    paths: list[str] | None = None, include: list[str] | None = None, exclude: list[str] | None = None
) -> ScanResult:
    """Scan files and folders (default: the working folder). Missing paths raise FileNotFoundError.
    One bad file (unreadable, binary, a bomb, nested past what a parser survives) is a `skipped` line
    and the scan goes on: every file costs at most `MAX_BYTES` read and a bounded parse."""
    paths = list(paths or ["."])
    for given in paths:
        try:
            os.stat(given)
        except FileNotFoundError:
            raise FileNotFoundError(given) from None
        except OSError:
            pass  # there, but not readable: the walk says so in a `skipped` line
    result = ScanResult(roots=paths)
    for target in walk(paths, include, exclude, result.skipped):
        _scan_target(target, result)
    return result


def _scan_target(target: Target, result: ScanResult) -> None:
    try:
        data = read_capped(target.path, MAX_BYTES, what=f"{target.kind} file", pipes=False)
    except UnreadableFile as exc:
        result.skipped.append(Skipped(target.name, f"{exc.problem}, not read"))
        return
    if b"\0" in data[:8192]:
        result.skipped.append(Skipped(target.name, "a binary file, not read"))
        return
    if not may_name_a_repo(data, target.kind):
        result.files += 1  # read and known to name nothing: most files of a big tree end here
        return
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    del data
    try:
        found, dynamic, problems = scan_file(text, target.name, target.kind)
    except UnreadableFile as exc:
        result.skipped.append(Skipped(target.name, f"{exc.problem}, not scanned"))
        return
    except RecursionError:
        result.skipped.append(Skipped(target.name, "nested too deep to parse, not scanned"))
        return
    except MemoryError:
        result.skipped.append(Skipped(target.name, "too large to parse in memory, not scanned"))
        return
    except Exception as exc:  # a parser's surprise on one file must not end the scan of the others
        result.skipped.append(
            Skipped(target.name, f"could not be parsed ({type(exc).__name__}), not scanned")
        )
        return
    result.files += 1
    result.found += [replace(f, place=replace(f.place, path=target.source)) for f in found]
    result.dynamic += [replace(d, place=replace(d.place, path=target.source)) for d in dynamic]
    result.problems += problems


def scan_refs(
    paths: list[str] | None = None, include: list[str] | None = None, exclude: list[str] | None = None
) -> tuple[list[RepoRef], dict[tuple[str, str], tuple[Place, ...]], ScanResult]:
    """For other commands (`check --scan`, `request`): one ref per repo, the places of each
    ((repo_type, repo_id) -> places) and the whole result (dynamic values, problems)."""
    result = scan_paths(paths, include, exclude)
    return result.refs(), result.places(), result

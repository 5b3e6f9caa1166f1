"""`hubgate scan`: the Hub models and datasets a codebase depends on, each at the places it is used.

Reads files only; never imports the Hub client or sends a request. Other commands call `scan_refs`.
"""

from __future__ import annotations

from pathlib import Path

from hubgate.inputs.refs import RepoRef
from hubgate.inputs.scan.model import Dynamic, Found, Place, ScanResult
from hubgate.inputs.scan.walker import MAX_BYTES, walk

__all__ = ["Dynamic", "Found", "Place", "ScanResult", "scan_file", "scan_paths", "scan_refs"]


def scan_file(text: str, name: str, kind: str) -> tuple[list[Found], list[Dynamic], list[str]]:
    """(found, dynamic, problems) for one file's text; `kind` as `walker.kind_of` names it."""
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


def scan_paths(
    paths: list[str] | None = None, include: list[str] | None = None, exclude: list[str] | None = None
) -> ScanResult:
    """Scan files and folders (default: the working folder). Missing paths raise FileNotFoundError."""
    paths = list(paths or ["."])
    for given in paths:
        if not Path(given).exists():
            raise FileNotFoundError(given)
    result = ScanResult()
    for path, name, kind in walk(paths, include, exclude):
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError as exc:
            result.problems.append(f"{name}: cannot read ({exc.strerror or exc})")
            continue
        if b"\0" in data[:8192]:
            continue  # binary, whatever its name says
        text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
        result.files += 1
        found, dynamic, problems = scan_file(text, name, kind)
        result.found += found
        result.dynamic += dynamic
        result.problems += problems
    return result


def scan_refs(
    paths: list[str] | None = None, include: list[str] | None = None, exclude: list[str] | None = None
) -> tuple[list[RepoRef], dict[tuple[str, str], tuple[Place, ...]], ScanResult]:
    """For other commands (`check --scan`, `request`): one ref per repo, the places of each
    ((repo_type, repo_id) -> places) and the whole result (dynamic values, problems)."""
    result = scan_paths(paths, include, exclude)
    return result.refs(), result.places(), result

"""One file's text with its unpinned places pinned, everything else kept byte for byte.

Python (and notebook code cells) go through libcst, a concrete syntax tree: the call gains
`revision="<sha>"` (or `tokenizer_revision=`) and its comments, spacing, quotes and line breaks stay as
written. Shell lines are not Python: `--revision <sha>` is inserted right after the repo id, at the
offset the scan found it. Configs get `model_revision` beside `model_name_or_path` (the one key whose
loaders, transformers' example scripts and TRL, take a sibling revision): a line under it in YAML,
`, "model_revision": "<sha>"` after the value in JSON. A place that cannot be pinned exactly is left
as it is, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hubgate.inputs.scan.model import Place


class MissingLibrary(RuntimeError):
    """libcst is not installed (the `pin` extra)."""


HINT = "install the pin extra: pip install 'hubgate[pin]'"


@dataclass(frozen=True)
class Edit:
    """Pin `place` (a use of `repo_id`) to `sha`, with `place.pin_with` (keyword, flag or key)."""

    place: Place
    repo_id: str
    sha: str


@dataclass
class Rewritten:
    text: str
    done: list[Edit]
    refused: list[tuple[Edit, str]]  # (edit, why it was left as it is)


def rewrite(text: str, kind: str, edits: list[Edit]) -> Rewritten:
    """`text` (a file of `kind`, as `walker.kind_of` names it) with every edit it can make."""
    if kind == "notebook":
        return _notebook(text, edits)
    out = Rewritten(text, [], [])
    python = [e for e in edits if e.place.pin_with in ("revision", "tokenizer_revision")]
    shell = [e for e in edits if e.place.pin_with == "--revision"]
    config = [e for e in edits if e.place.pin_with == "model_revision"]
    if python and kind == "python":
        out = _merge(out, _python(out.text, python))
    elif python:
        out.refused += [(e, "a call outside Python code: pin it by hand") for e in python]
    if shell:
        out = _merge(out, _shell(out.text, shell))
    if config and kind in ("yaml", "json"):
        out = _merge(out, (_yaml if kind == "yaml" else _json)(out.text, config))
    elif config:
        out.refused += [(e, f"a {kind} file: no revision key is known for it") for e in config]
    return out


def _merge(before: Rewritten, after: Rewritten) -> Rewritten:
    return Rewritten(after.text, before.done + after.done, before.refused + after.refused)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _char_column(line: str, byte_column: int) -> int:
    """The 0-based character column of `ast`'s 0-based UTF-8 byte offset."""
    return len(line.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))


# --- Python, through libcst ----------------------------------------------------------------------


def _python(text: str, edits: list[Edit], *, line_offset: int = 0) -> Rewritten:
    """Each call gains one keyword per pin it lacks. `line_offset`: places' lines are this much past the
    text's (a notebook cell)."""
    try:
        import libcst as cst
        from libcst.metadata import MetadataWrapper, PositionProvider
    except ImportError as exc:
        raise MissingLibrary("hubgate pin needs libcst to rewrite Python") from exc

    lines = text.splitlines()
    wanted: dict[tuple[int, int], list[Edit]] = {}
    for edit in edits:
        number = edit.place.line - line_offset
        if not 1 <= number <= len(lines):
            continue
        column = _char_column(lines[number - 1], edit.place.column - 1)
        wanted.setdefault((number, column), []).append(edit)
    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
    except cst.ParserSyntaxError:
        return Rewritten(text, [], [(e, "libcst cannot parse this code: pin it by hand") for e in edits])
    positions = wrapper.resolve(PositionProvider)
    done: list[Edit] = []
    refused: list[tuple[Edit, str]] = []

    class Pinner(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
            mine: list[Edit] = []
            for arg in original.args:
                start = positions[arg.value].start
                mine += wanted.pop((start.line, start.column), [])
            if not mine:
                return updated
            keys: dict[str, str] = {}
            for edit in mine:
                key = edit.place.pin_with
                if keys.get(key, edit.sha) != edit.sha:
                    refused.extend((e, f"{key}= would need two commits in one call") for e in mine)
                    return updated
                keys[key] = edit.sha
            new = updated
            for key, sha in keys.items():
                new = _with_keyword(cst, new, key, sha)
            done.extend(mine)
            return new

    module = wrapper.module.visit(Pinner())
    refused += [(e, "no call found at this place: pin it by hand") for left in wanted.values() for e in left]
    return Rewritten(module.code, done, refused)


def _with_keyword(cst: Any, call: Any, key: str, sha: str) -> Any:
    """`call` with `key="sha"` after its last argument, laid out as its other arguments are: on the same
    line, or on a line of its own when the arguments are one per line (a trailing comma stays)."""
    value = cst.SimpleString(f'"{sha}"')
    args = list(call.args)
    for index, arg in enumerate(args):  # `revision=None`: the value replaced, the layout kept
        if arg.keyword is not None and arg.keyword.value == key:
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    blank = cst.SimpleWhitespace("")
    equal = cst.AssignEqual(whitespace_before=blank, whitespace_after=blank)
    if not args:
        return call.with_changes(args=[cst.Arg(value=value, keyword=cst.Name(key), equal=equal)])
    last = args[-1]
    comma = last.comma
    multiline = isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    )
    if multiline:
        # `f(\n    a,  # note\n)`: the old last comma keeps its comment and line break, then the indent the
        # arguments start with; the new argument's comma breaks the line before `)` as the old one did
        between = (
            args[-2].comma.whitespace_after
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else call.whitespace_before_args
        )
        indent = (
            between.last_line
            if isinstance(between, cst.ParenthesizedWhitespace)
            else cst.SimpleWhitespace("")
        )
        old = comma.whitespace_after
        args[-1] = last.with_changes(
            comma=comma.with_changes(whitespace_after=old.with_changes(last_line=indent))
        )
        closing = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(newline=old.first_line.newline),
            empty_lines=[],
            indent=old.indent,
            last_line=old.last_line,
        )
        new_comma = cst.Comma(whitespace_after=closing)
        args.append(cst.Arg(value=value, keyword=cst.Name(key), equal=equal, comma=new_comma))
    else:
        # `f( a )`: the blank before `)` follows the new last argument
        trailing = comma if isinstance(comma, cst.Comma) else cst.MaybeSentinel.DEFAULT
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")), whitespace_after_arg=blank
        )
        args.append(
            cst.Arg(
                value=value,
                keyword=cst.Name(key),
                equal=equal,
                comma=trailing,
                whitespace_after_arg=last.whitespace_after_arg,
            )
        )
    return call.with_changes(args=args)


# --- Shell lines ---------------------------------------------------------------------------------

_TOKEN_END = re.compile(r"[\s;&|)<>]")


def _token_end(line: str, start: int) -> int | None:
    """Where the shell word at `start` ends: past its closing quote, else at the first blank or operator."""
    if start >= len(line):
        return None
    if line[start] in "\"'":
        close = line.find(line[start], start + 1)
        return None if close < 0 else close + 1
    found = _TOKEN_END.search(line, start)
    return found.start() if found else len(line.rstrip("\r\n"))


def _line_by_line(
    text: str,
    edits: list[Edit],
    order: Callable[[Edit], Any],
    edit_line: Callable[[list[str], Edit], str | None],
) -> Rewritten:
    """Each edit in `order`, by `edit_line`, which changes the lines in place and returns None, or returns
    why the place is left as it is."""
    lines = _lines(text)
    done: list[Edit] = []
    refused: list[tuple[Edit, str]] = []
    for edit in sorted(edits, key=order):
        reason = edit_line(lines, edit)
        if reason is None:
            done.append(edit)
        else:
            refused.append((edit, reason))
    return Rewritten("".join(lines), done, refused)


def _right_to_left(edit: Edit) -> tuple[int, int]:
    """Right to left on each line, so an insertion never moves a place still to come."""
    return edit.place.line, -edit.place.column


def _shell(text: str, edits: list[Edit]) -> Rewritten:
    def pin(lines: list[str], edit: Edit) -> str | None:
        index = edit.place.line - 1
        line = lines[index] if index < len(lines) else ""
        end = _token_end(line, edit.place.column - 1)
        word = line[edit.place.column - 1 : end] if end is not None else ""
        if end is None or edit.repo_id not in word:
            return "the repo id is not where the scan found it: pin it by hand"
        lines[index] = f"{line[:end]} --revision {edit.sha}{line[end:]}"
        return None

    return _line_by_line(text, edits, _right_to_left, pin)


# --- Configs -------------------------------------------------------------------------------------


def _yaml(text: str, edits: list[Edit]) -> Rewritten:
    """A `model_revision: <sha>` line under each block-style `model_name_or_path:` line, at its indent."""

    def pin(lines: list[str], edit: Edit) -> str | None:
        index = edit.place.line - 1
        line = lines[index]
        key_at = line.rfind(edit.place.via, 0, edit.place.column - 1)
        prefix = line[:key_at]
        if key_at < 0 or prefix.strip() not in ("", "-") or "{" in line[: edit.place.column]:
            return "not a block-style key: add model_revision by hand"
        ending = line[len(line.rstrip("\r\n")) :] or "\n"
        if not line.endswith(("\n", "\r")):
            lines[index] = line + ending
        indent = " " * len(prefix)
        lines.insert(index + 1, f"{indent}model_revision: {edit.sha}{ending}")
        return None

    # bottom up: earlier lines keep their numbers
    return _line_by_line(text, edits, lambda edit: -edit.place.line, pin)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _json(text: str, edits: list[Edit]) -> Rewritten:
    """`, "model_revision": "<sha>"` right after each `"model_name_or_path": "<id>"` value."""

    def pin(lines: list[str], edit: Edit) -> str | None:
        index = edit.place.line - 1
        line = lines[index]
        match = _JSON_STRING.match(line, edit.place.column - 1)
        if match is None or edit.repo_id not in match.group(0):
            return "the value is not where the scan found it: pin it by hand"
        lines[index] = f'{line[: match.end()]}, "model_revision": "{edit.sha}"{line[match.end() :]}'
        return None

    return _line_by_line(text, edits, _right_to_left, pin)


# --- Notebooks -----------------------------------------------------------------------------------

_MASK = "#hubgate-pin-mask-{}"


def _notebook(text: str, edits: list[Edit]) -> Rewritten:
    """Each code cell with places rewritten alone (Python through libcst, `!` lines as shell); other cells
    are kept. The notebook is written back as nbformat writes it (Jupyter's own layout)."""
    import nbformat

    try:
        notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises several kinds (JSON, version)
        return Rewritten(text, [], [(e, f"not a readable notebook ({type(exc).__name__})") for e in edits])
    if notebook.get("nbformat") != 4:
        return Rewritten(text, [], [(e, "a notebook older than format 4: pin it by hand") for e in edits])
    done: list[Edit] = []
    refused: list[tuple[Edit, str]] = []
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        by_cell.setdefault(edit.place.cell or 0, []).append(edit)
    cells = notebook.get("cells", [])
    for number, cell_edits in by_cell.items():
        if not 1 <= number <= len(cells) or cells[number - 1].get("cell_type") != "code":
            refused += [(e, "no such code cell") for e in cell_edits]
            continue
        cell = cells[number - 1]
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        shell = [e for e in cell_edits if e.place.pin_with == "--revision"]
        python = [e for e in cell_edits if e.place.pin_with != "--revision"]
        result = Rewritten(source, [], [])
        if shell:
            result = _merge(result, _shell(result.text, shell))
        if python:
            result = _merge(result, _masked_python(result.text, python))
        done += result.done
        refused += result.refused
        if result.done:
            cell["source"] = result.text
    if not done:
        return Rewritten(text, done, refused)
    written = nbformat.writes(notebook)
    if text.endswith("\n") and not written.endswith("\n"):
        written += "\n"  # as nbformat.write (and Jupyter) end the file
    return Rewritten(written, done, refused)


def _masked_python(source: str, edits: list[Edit]) -> Rewritten:
    """A cell's Python with its `!` and `%` lines hidden as comments (libcst reads Python only), then
    put back as they were."""
    lines = _lines(source)
    hidden: dict[str, str] = {}
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("!", "%")):
            mark = _MASK.format(index)
            hidden[mark] = line.rstrip("\r\n")
            lines[index] = line[: len(line) - len(stripped)] + mark + line[len(line.rstrip("\r\n")) :]
    result = _python("".join(lines), edits)
    back = []
    for line in _lines(result.text):
        mark = line.strip()
        back.append(hidden[mark] + line[len(line.rstrip("\r\n")) :] if mark in hidden else line)
    return Rewritten("".join(back), result.done, result.refused)

"""Jupyter notebooks, read with `nbformat`: code cells parsed with `ast` as one module (cells share a
namespace, so a constant set in one cell counts in the next); `!` lines are shell; `%` magics are left out.
Places are `notebook.ipynb:cell N:line:column`, N counting every cell from 1."""

from __future__ import annotations

import ast

from hubgate.inputs.scan.model import Dynamic, Found
from hubgate.inputs.scan.python import TRIGGERS, scan_tree
from hubgate.inputs.scan.shell import scan_shell


def scan_notebook(text: str, file: str) -> tuple[list[Found], list[Dynamic], list[str]]:
    if not any(trigger in text for trigger in (*TRIGGERS, "download")):
        return [], [], []
    import nbformat
    from nbformat.reader import reads

    try:
        # reader.reads parses without validating: a scan reads code cells, and schema validation of
        # every notebook would cost more than the scan itself (and warn about ids on stderr).
        notebook = reads(text)
        if notebook.get("nbformat") != 4:
            notebook = nbformat.convert(notebook, 4)
    except Exception as exc:  # nbformat raises several kinds (JSON, version, conversion)
        return [], [], [f"{file}: not a readable notebook, skipped ({type(exc).__name__})"]
    body: list[ast.stmt] = []
    lines: list[str] = []
    cell_of: dict[int, tuple[int, int]] = {}
    found: list[Found] = []
    dynamic: list[Dynamic] = []
    problems: list[str] = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cell_lines = source.splitlines()
        python_lines = []
        for index, line in enumerate(cell_lines, start=1):
            stripped = line.lstrip()
            if stripped.startswith("!"):
                shell_found, shell_dynamic = scan_shell(
                    " " * (len(line) - len(stripped) + 1) + stripped[1:],
                    file,
                    line_offset=index - 1,
                    cell=number,
                )
                found += shell_found
                dynamic += shell_dynamic
                python_lines.append("")
            elif stripped.startswith("%"):
                python_lines.append("")
            else:
                python_lines.append(line)
        try:
            tree = ast.parse("\n".join(python_lines))
        except SyntaxError as exc:
            problems.append(f"{file}:cell {number}:{exc.lineno}: not valid Python, cell skipped ({exc.msg})")
            continue
        except ValueError as exc:  # a NUL in the source
            problems.append(f"{file}:cell {number}: not valid Python, cell skipped ({exc})")
            continue
        except (RecursionError, MemoryError):  # a 50,000-term expression: the other cells still count
            problems.append(f"{file}:cell {number}: nested too deep to parse, cell skipped")
            continue
        offset = len(lines)
        ast.increment_lineno(tree, offset)
        body += tree.body
        for index, line in enumerate(cell_lines, start=1):
            cell_of[offset + index] = (number, index)
            lines.append(line)
    module = ast.Module(body=body, type_ignores=[])
    py_found, py_dynamic = scan_tree(module, lines, file, cell_of=cell_of)
    return found + py_found, dynamic + py_dynamic, problems

"""The multi-token matrix (`check --token-file`) as a table: which token has been approved for what."""

from __future__ import annotations

import json

from rich.console import Console

from hubgate.check.matrix import Matrix, matrix_json
from hubgate.render.layout import IdTable
from hubgate.render.table import STATUS_STYLE
from hubgate.verdicts.verdict import USABLE


def render_matrix(matrix: Matrix, fmt: str = "table", *, width: int = 1000) -> str:
    """One row per repo, one column per token, each cell the status in its table colour, `width` columns
    at most; with `fmt` json, the matrix's JSON contract."""
    if fmt == "json":
        return json.dumps(matrix_json(matrix), indent=2) + "\n"
    grid = IdTable("repo", *matrix.labels, box=None, pad_edge=False)
    for best, column in matrix.rows():
        cells = [f"[{STATUS_STYLE[v.status]}]{v.status.value}[/]" for v in column]
        grid.add_row(best.model_id or best.input, *cells)
    console = Console(width=width, highlight=False)
    with console.capture() as capture:
        console.print(grid)
        usable = sum(1 for best, _ in matrix.rows() if best.status in USABLE)
        console.print(
            f"\n{usable} of {len(matrix.rows())} repos usable with at least one of {len(matrix.labels)} tokens."
        )
    return "\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n"

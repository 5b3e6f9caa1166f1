"""`check --token-file` / `--all-stored-tokens`: the token matrix as a table or as JSON."""

from __future__ import annotations

import json
from typing import Any

from hubgate.check.matrix import Matrix
from hubgate.check.report import report_json, token_json
from hubgate.render.table import _STATUS_STYLE
from hubgate.verdicts.verdict import USABLE


def matrix_json(matrix: Matrix) -> dict[str, Any]:
    first = matrix.reports[0]
    return {
        "schema_version": 1,
        "endpoint": first.endpoint,
        "checked_at": first.checked_at.isoformat(timespec="seconds"),
        "tokens": [
            {"label": name, **token_json(r.token)}
            for name, r in zip(matrix.labels, matrix.reports, strict=True)
        ],
        "models": [
            {
                "input": best.input,
                "id": best.model_id,
                "repo_type": best.repo_type,
                "statuses": {name: v.status.value for name, v in zip(matrix.labels, column, strict=True)},
                "usable_with": [
                    name for name, v in zip(matrix.labels, column, strict=True) if v.status in USABLE
                ],
                "url": best.url,
            }
            for best, column in matrix.rows()
        ],
        "runs": [report_json(report) for report in matrix.reports],
    }


def render_matrix(matrix: Matrix, fmt: str = "table") -> str:
    """The matrix as text: `json`, or a table of statuses with a summary line."""
    if fmt == "json":
        return json.dumps(matrix_json(matrix), indent=2) + "\n"
    from rich.console import Console
    from rich.table import Table

    grid = Table("repo", *matrix.labels, box=None, pad_edge=False, header_style="bold")
    for best, column in matrix.rows():
        cells = [f"[{_STATUS_STYLE[v.status]}]{v.status.value}[/]" for v in column]
        grid.add_row(best.model_id or best.input, *cells)
    console = Console(width=1000, soft_wrap=True, highlight=False)
    with console.capture() as capture:
        console.print(grid)
        usable = sum(1 for best, _ in matrix.rows() if best.status in USABLE)
        console.print(
            f"\n{usable} of {len(matrix.rows())} repos usable with at least one of {len(matrix.labels)} tokens."
        )
    return "\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n"

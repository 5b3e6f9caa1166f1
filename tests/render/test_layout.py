"""render/layout.py on its own: the id column never cut, the stacked fallback, values under their field, and
wrapped lines hanging under their item."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console

from hubgate.render.layout import IdTable, KeyValues, hanging

IDS = [
    "facebook/dinov3-vitb16-pretrain-lvd1689m",
    "facebook/dinov3-vitb16-pretrain-lvd1689m-distilled",
    "facebook/dinov3-vit7b16-pretrain-lvd1689m",
]


def shown(renderable: object, width: int) -> list[str]:
    console = Console(width=width, color_system=None, highlight=False)
    with console.capture() as capture:
        console.print(renderable)
    return [line.rstrip() for line in capture.get().splitlines()]


def table(*cells: str) -> IdTable:
    grid = IdTable("model", "status", "details", right=("status",))
    for repo_id in IDS:
        grid.add_row(repo_id, *cells)
    return grid


def whole_on_a_line(repo_id: str, lines: list[str]) -> bool:
    return any(re.search(rf"(?<![\w./-]){re.escape(repo_id)}(?![\w./…-])", line) for line in lines)


def test_the_id_column_keeps_its_width_and_the_others_wrap() -> None:
    lines = shown(table("granted", "the authors review each request, hours to days"), 90)
    assert all(cell_len(line) <= 90 for line in lines)
    assert all(whole_on_a_line(repo_id, lines) for repo_id in IDS)
    assert lines[0].startswith("┏")  # still a table
    assert not any("each request" in line for line in lines)  # the details column wrapped
    assert sum("│" in line for line in lines) > len(IDS)


def test_too_narrow_for_the_table_each_row_becomes_a_block() -> None:
    lines = shown(table("granted", "the authors review each request"), 50)
    assert all(cell_len(line) <= 50 for line in lines)
    for repo_id in IDS:
        index = lines.index(repo_id)  # alone on its line
        assert lines[index + 1].split() == ["status", "granted"]
        assert lines[index + 2].lstrip().startswith("details")
    assert not any(line.startswith("┏") for line in lines)


def test_stacking_leaves_out_empty_fields_and_an_id_longer_than_the_line_is_folded_not_cut() -> None:
    grid = IdTable("model", "licence")
    grid.add_row("org/" + "x" * 40, "")
    lines = shown(grid, 30)
    assert "".join(lines) == "org/" + "x" * 40  # folded over two lines, every character kept, no empty field
    assert all(cell_len(line) <= 30 for line in lines)


def test_a_wide_console_gets_the_whole_table_on_one_line_per_row() -> None:
    lines = shown(table("granted", "the authors review each request, hours to days"), 1000)
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == len(IDS)
    assert all("hours to days" in row for row in rows)


def test_cells_are_markup_and_ids_are_not() -> None:
    grid = IdTable("model", "status")
    grid.add_row("org/[bold]name", "[green]granted[/]")
    lines = shown(grid, 80)
    assert any("org/[bold]name" in line for line in lines)
    assert any("granted" in line and "[green]" not in line for line in lines)


def test_a_value_with_a_long_word_goes_under_its_field() -> None:
    fields = KeyValues()
    fields.add_row("model_id", IDS[1])
    fields.add_row("name", "DINOv3 ViT-B/16 distilled")
    lines = shown(fields, 55)
    assert lines[:3] == ["model_id", f"    {IDS[1]}", "name      DINOv3 ViT-B/16 distilled"]
    assert shown(fields, 100)[0] == f"model_id  {IDS[1]}"


def printed(width: int | None, *lines: str) -> list[str]:
    console = Console(
        width=width or 1000, soft_wrap=width is None, color_system=None, highlight=False, record=True
    )
    with console.capture() as capture:
        hanging(console, lambda out: [out.print(line, markup=False) for line in lines])
    return capture.get().splitlines()


def test_hanging_wraps_under_the_item_and_keeps_ids_whole() -> None:
    line = f"   ✗ {IDS[2]}  not-requested · gated, manual  6.7B params"
    out = printed(50, line)
    assert out[0] == f"   ✗ {IDS[2]}"
    assert all(part.startswith("     ") and cell_len(part) <= 50 for part in out[1:])
    assert " ".join(out).split() == line.split()
    note = "      → Submit a new access request at https://huggingface.co/" + IDS[2]
    out = printed(60, note)
    assert out[0] == "      → Submit a new access request at"  # the URL starts a line of its own
    assert out[1].startswith("        https://")


def test_hanging_indents_plain_top_level_lines_by_two_and_leaves_a_pipe_alone() -> None:
    summary = "Summary: " + " · ".join(f"{n} things" for n in range(12))
    out = printed(40, summary)
    assert all(part.startswith("  ") for part in out[1:]) and all(cell_len(p) <= 40 for p in out)
    assert printed(None, summary) == [summary]

"""Tables keyed by an id (a repo, a dataset, a GPU): the id is never cut, at any terminal width.

Left to itself, Rich fits a wide table into a narrow terminal by cutting every column alike, and nine
checkpoints shown as `facebook/dinov3-vitb16…` can no longer be told apart. An `IdTable` keeps its first
column as wide as the longest id and narrows only the other columns, down to their longest word; when even
that does not fit, each row becomes a block instead: the id on a line of its own, the other fields indented
below it. Which of the two is chosen at print time, from the width the console offers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich import box as boxes
from rich.cells import cell_len
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.box import Box
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult


class IdTable:
    """A table whose first column names the row; `add_row` takes the id as plain text and the other cells
    as Rich markup, as `rich.table.Table` would."""

    def __init__(
        self,
        *headers: str,
        right: Iterable[str] = (),
        title: str | None = None,
        box: Box | None = boxes.HEAVY_HEAD,
        pad_edge: bool = True,
        header_style: str = "bold",
    ) -> None:
        self.headers = list(headers)
        self.right = set(right)
        self.title = title
        self.box = box
        self.pad_edge = pad_edge
        self.header_style = header_style
        self.rows: list[tuple[str, list[str]]] = []

    def add_row(self, repo_id: str, *cells: str) -> None:
        self.rows.append((repo_id, list(cells)))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths(console, options)
        yield self._table(widths) if widths is not None else self._stacked()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._table(None))

    def _widths(self, console: Console, options: ConsoleOptions) -> list[int] | None:
        """Each column's width when the table fits `options.max_width` with the ids whole and no other
        column narrower than its longest word; None when it cannot."""
        wide = options.update_width(1_000_000)
        ids = [Text(self.headers[0]), *(Text(repo_id) for repo_id, _ in self.rows)]
        floor = [max(text.cell_len for text in ids)]
        widest = list(floor)
        for index in range(1, len(self.headers)):
            cells = [self.headers[index], *(cells[index - 1] for _, cells in self.rows)]
            sizes = [Measurement.get(console, wide, console.render_str(cell)) for cell in cells]
            floor.append(max(size.minimum for size in sizes))
            widest.append(max(size.maximum for size in sizes))
        overhead = Measurement.get(console, wide, self._table([0] * len(floor))).maximum
        room = options.max_width - overhead
        if sum(floor) > room:
            return None
        # Narrow the widest of the other columns first, one cell at a time, never below its longest word:
        # the id column keeps its width, and short columns (a status, a dtype) stay on one line.
        widths = widest
        while sum(widths) > room:
            index = max(range(1, len(widths)), key=lambda i: widths[i] if widths[i] > floor[i] else -1)
            widths[index] -= 1
        return widths

    def _table(self, widths: Sequence[int] | None) -> Table:
        table = Table(title=self.title, box=self.box, pad_edge=self.pad_edge, header_style=self.header_style)
        for index, header in enumerate(self.headers):
            table.add_column(
                header,
                justify="right" if header in self.right else "left",
                no_wrap=index == 0,
                overflow="fold",
                width=None if widths is None else widths[index],
            )
        for repo_id, cells in self.rows:
            table.add_row(Text(repo_id), *cells)
        return table

    def _stacked(self) -> RenderableType:
        """One block per row: the id alone on its line, each non-empty field below it, indented."""
        from rich.console import Group

        parts: list[RenderableType] = []
        if self.title:
            parts.append(Text(self.title, style="italic"))
        for repo_id, cells in self.rows:
            parts.append(Text(repo_id, overflow="fold"))
            fields = Table.grid(padding=(0, 2))
            fields.add_column(style="dim", overflow="fold")
            fields.add_column(overflow="fold")
            for header, cell in zip(self.headers[1:], cells, strict=True):
                if cell.strip():
                    fields.add_row(header, cell)
            parts.append(Padding(fields, (0, 0, 0, 2)))
        return Group(*parts)


class KeyValues:
    """Fields and their values in two aligned columns (`registry show`). A value with a word too long for
    the value column (an id, a URL, a path) goes whole on the lines below its field instead of being cut."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def add_row(self, key: str, value: str) -> None:
        self.rows.append((key, value))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key_width = max((len(key) for key, _ in self.rows), default=0)
        room = options.max_width - key_width - 2
        for key, value in self.rows:
            text = Text(value)
            words = text.plain.split()
            if room >= 20 and max((len(word) for word in words), default=0) <= room:
                row = Table.grid(padding=(0, 2))
                row.add_column(style="bold", width=key_width, no_wrap=True)
                row.add_column(overflow="fold")
                row.add_row(key, text)
                yield row
                continue
            yield Text(key, style="bold", overflow="fold")
            yield Padding(Text(value, overflow="fold"), (0, 0, 0, 4))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        key_width = max((len(key) for key, _ in self.rows), default=0)
        widest = max((len(line) for _, value in self.rows for line in value.splitlines()), default=0)
        return Measurement(key_width + 2, key_width + 2 + widest).with_maximum(options.max_width)


# A line that starts (after its indent) with one of these and a space is an item: its wrapped lines hang
# under the item's text, not under the mark.
_MARKS = frozenset("•✗✔⚠→!⇢↳")


def hanging(console: Console, draw: Callable[[Console], None]) -> None:
    """Print what `draw` prints on `console`, each line wrapped at the console's width (at spaces, so an
    id that fits a line stays whole) with its wrapped part indented under the line's own text. On an
    unbounded console (a pipe without COLUMNS) lines are printed as they are."""
    from rich.console import Console

    if console.soft_wrap:
        draw(console)
        return
    # As wide as the terminal, so tables lay themselves out for it; lines of text kept whole, to wrap here.
    scratch = Console(
        width=console.width,
        soft_wrap=True,
        highlight=False,
        color_system=console.color_system,  # type: ignore[arg-type]
        no_color=console.no_color,
        force_terminal=console.color_system is not None,
    )
    with scratch.capture() as capture:
        draw(scratch)
    width = console.width
    for line in capture.get().split("\n")[:-1]:
        text = Text.from_ansi(line)
        plain = text.plain
        lead = len(plain) - len(plain.lstrip(" "))
        marked = plain[lead : lead + 1] in _MARKS and plain[lead + 1 : lead + 2] == " "
        hang = min(lead + 2 if marked or not lead else lead, width // 3)
        for index, piece in enumerate(text.divide(_breaks(plain, width, width - hang))):
            piece.rstrip()
            console.print(Text(" " * hang) + _lstrip(piece) if index else piece, soft_wrap=True)


def _lstrip(text: Text) -> Text:
    plain = text.plain
    return text[len(plain) - len(plain.lstrip(" ")) :]


def _breaks(plain: str, first: int, rest: int) -> list[int]:
    """Where to cut `plain` into lines: the first `first` cells wide, the others `rest`; at spaces, a word
    longer than a whole line cut where the line ends."""
    import re

    cuts: list[int] = []
    start, room = 0, first
    for match in re.finditer(r"\S+", plain):
        begin, end = match.span()
        while cell_len(plain[start:end].rstrip()) > room:
            if begin > start and plain[start:begin].strip():
                start, room = begin, rest  # the word starts the next line (cut there only if too long)
            else:
                cut = start + _fit(plain[start:end], room)
                cut = max(cut, start + 1)
                start, room = cut, rest
                begin = max(begin, start)
            cuts.append(start)
    return cuts


def _fit(text: str, room: int) -> int:
    """How many characters of `text` fit in `room` cells."""
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > room:
            return index
    return len(text)

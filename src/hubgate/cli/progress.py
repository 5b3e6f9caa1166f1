"""How far a run got: the count Ctrl-C reports, and a transient bar on stderr for interactive runs."""

from __future__ import annotations

from typing import Any


class Progress:
    """Counts checked repos out of the run's total (known once author listings and skips are done), and,
    when `bar` and there are several repos, shows a transient Rich progress bar on stderr."""

    def __init__(self, total: int = 0, *, bar: bool = False) -> None:
        self.total, self.done, self.bar = total, 0, bar
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        self.total = total
        if not self.bar or total <= 1:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("check", total=total)

    def advance(self, _result: object = None) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._task)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def told(self) -> str:
        return f"{self.done} of {self.total} repos checked"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

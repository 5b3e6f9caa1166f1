"""How far a run got: the count Ctrl-C reports, and a transient status line on stderr for interactive runs."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Counts checked repos out of the run's total (known once author listings and skips are done), and,
    when `bar` and stderr is a terminal, shows a transient Rich status line there from the start of the
    run: a spinner and the time elapsed while the Hub has not answered the first request (a Hub that
    accepts and says nothing is no blank terminal), then a bar of repos checked. Never in a pipe or a CI
    log (stderr not a terminal)."""

    def __init__(self, total: int = 0, *, bar: bool = False) -> None:
        self.total, self.done = total, 0
        self.bar = bar and sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def open(self) -> None:
        """Show the status line now, before the first request (Rich redraws it ten times a second)."""
        if not self.bar or self._bar is not None:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("asking the Hub", total=None)

    def start(self, total: int) -> None:
        self.total = total
        self.open()
        if self._bar is not None:
            self._bar.update(self._task, description="checking", total=total, completed=self.done)

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
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

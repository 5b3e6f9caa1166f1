"""What a scan finds: references to Hub repos, each at a place in a file, and values it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hubgate.inputs.refs import RepoRef, RepoType, visible

IGNORE_MARK = "hubgate: ignore"


def shown(name: str) -> str:
    """A path as text any output can carry: bytes that are not UTF-8 (which Python keeps as lone
    surrogates) as `\\xff`, control and bidi characters as escapes. A file name is the scanned tree's to
    choose; it must not break a terminal, a JSON encoder or a workflow command."""
    if name.isprintable():  # lone surrogates and control characters are never printable
        return name
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return visible(text)


@dataclass(frozen=True, order=True)
class Place:
    """Where a repo is named: `file` relative to the working folder (posix), 1-based `line` and `column`
    (in a notebook: the line inside code cell `cell`, 1-based over all cells), and `via`, the call or
    key that names it (`AutoModel.from_pretrained`, `model_name_or_path`, `hf download`)."""

    file: str
    line: int
    column: int
    via: str = ""
    cell: int | None = None
    # The file's absolute path as the OS names it (undecodable bytes kept), for SARIF's percent-encoded
    # URIs; `file` is what people read. Empty when the place was not found by a scan.
    path: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        if self.cell is not None:
            return f"{self.file}:cell {self.cell}:{self.line}:{self.column}"
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def file_line(self) -> str:
        """`file:line`, the `origin` of a ref (a notebook's cell stays in the text)."""
        if self.cell is not None:
            return f"{self.file}:cell {self.cell}:{self.line}"
        return f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "cell": self.cell,
            "via": self.via,
        }


@dataclass(frozen=True)
class Found:
    """One use of a repo at one place."""

    repo_id: str
    repo_type: RepoType
    place: Place


@dataclass(frozen=True)
class Dynamic:
    """A loading call whose value the scan cannot know without running the code: reported, not checked."""

    place: Place
    expression: str

    def to_json(self) -> dict[str, Any]:
        return {**self.place.to_json(), "expression": self.expression, "note": "dynamic: not checked"}


@dataclass(frozen=True)
class Skipped:
    """A file, link or folder the scan left out, and why, in one line (`path` as `Place.file` shows it)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class ScanResult:
    found: list[Found] = field(default_factory=list)
    dynamic: list[Dynamic] = field(default_factory=list)
    files: int = 0  # files read
    problems: list[str] = field(default_factory=list)  # files that could not be parsed (one line each)
    skipped: list[Skipped] = field(default_factory=list)  # left out: links, devices, caps, unreadable
    roots: list[str] = field(default_factory=list)  # the files and folders asked for, as given

    def places(self) -> dict[tuple[str, str], tuple[Place, ...]]:
        """(repo_type, repo_id) -> its places, sorted; repos in order of first appearance."""
        grouped: dict[tuple[str, str], set[Place]] = {}
        for item in sorted(self.found, key=lambda f: f.place):
            grouped.setdefault((item.repo_type, item.repo_id), set()).add(item.place)
        return {key: tuple(sorted(places)) for key, places in grouped.items()}

    def where(self) -> str:
        """What the scan read, for a line saying where it found nothing: `0 files under src, tests`."""
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        return f"{files} under {', '.join(visible(root) for root in self.roots)}" if self.roots else files

    def refs(self) -> list[RepoRef]:
        """One ref per repo; its `origin` is the first place (`file:line`)."""
        return [
            RepoRef(repo_id, repo_type, repo_id, origin=places[0].file_line)  # type: ignore[arg-type]
            for (repo_type, repo_id), places in self.places().items()
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "files_scanned": self.files,
            "repos": [
                {"id": repo_id, "repo_type": repo_type, "places": [p.to_json() for p in places]}
                for (repo_type, repo_id), places in self.places().items()
            ],
            "dynamic": [d.to_json() for d in sorted(self.dynamic, key=lambda d: d.place)],
            "problems": list(self.problems),
            "skipped": [s.to_json() for s in self.skipped],
        }

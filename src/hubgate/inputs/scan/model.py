"""What a scan finds: references to Hub repos, each at a place in a file, and values it could not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from hubgate.inputs.refs import CollectionRef, RepoRef, RepoType, parse_collection, visible

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
    # The revision the code pins here (a branch, tag or commit), when it gives one as a constant.
    revision: str | None = field(default=None, compare=False)
    # When the loader takes a revision here and none is given: the keyword, flag or key that would pin
    # it (`revision`, `tokenizer_revision`, `--revision`, `model_revision`); empty when pinned, when the
    # revision is not a constant, or when nothing here takes one (an env variable, a list file).
    pin_with: str = field(default="", compare=False)

    @property
    def unpinned(self) -> bool:
        return bool(self.pin_with)

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
            "revision": self.revision,
            "unpinned": self.unpinned,
        }


@dataclass(frozen=True)
class Found:
    """One use of a repo at one place."""

    repo_id: str
    repo_type: RepoType | Literal["collection"]  # a collection: `repo_id` is its `namespace/slug-id`
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

    def unpinned(self) -> list[Found]:
        """The uses whose loader takes a revision and is given none, in place order."""
        return sorted((f for f in self.found if f.place.unpinned), key=lambda f: f.place)

    def keyed_places(self) -> dict[tuple[str, str], tuple[Place, ...]]:
        """Places by ref key ((repo_type, id) or (repo_type, id@revision)): a use pinned to a revision
        is checked at that revision, the others at the default branch."""
        grouped: dict[tuple[str, str], set[Place]] = {}
        for item in self.found:
            if item.repo_type == "collection":
                continue
            key_id = item.repo_id if item.place.revision is None else f"{item.repo_id}@{item.place.revision}"
            grouped.setdefault((item.repo_type, key_id), set()).add(item.place)
        return {key: tuple(sorted(places)) for key, places in grouped.items()}

    def places(self) -> dict[tuple[str, str], tuple[Place, ...]]:
        """(repo_type, repo_id) -> its places, sorted; repos in order of first appearance."""
        grouped: dict[tuple[str, str], set[Place]] = {}
        for item in sorted(self.found, key=lambda f: f.place):
            if item.repo_type == "collection":
                continue
            grouped.setdefault((item.repo_type, item.repo_id), set()).add(item.place)
        return {key: tuple(sorted(places)) for key, places in grouped.items()}

    def where(self) -> str:
        """What the scan read, for a line saying where it found nothing: `0 files under src, tests`."""
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        return f"{files} under {', '.join(visible(root) for root in self.roots)}" if self.roots else files

    def refs(self, *, revisions: bool = True) -> list[RepoRef]:
        """One ref per repo and revision the code pins (none: the default branch); its `origin` is the
        first place (`file:line`). Without `revisions`, one per repo (access is the repo's, whatever
        the revision: `request --scan` asks once)."""
        refs: dict[tuple[str, str, str | None], RepoRef] = {}
        for item in sorted(self.found, key=lambda f: f.place):
            if item.repo_type == "collection":
                continue
            revision = item.place.revision if revisions else None
            key = (item.repo_type, item.repo_id, revision)
            if key not in refs:
                shown = item.repo_id if revision is None else f"{item.repo_id}@{revision}"
                refs[key] = RepoRef(
                    shown, item.repo_type, item.repo_id, origin=item.place.file_line, revision=revision
                )
        return list(refs.values())

    def collection_places(self) -> dict[str, tuple[Place, ...]]:
        """Collection name -> its places, sorted; a collection is expanded by the check, not by the scan."""
        grouped: dict[str, set[Place]] = {}
        for item in sorted(self.found, key=lambda f: f.place):
            if item.repo_type == "collection":
                grouped.setdefault(item.repo_id, set()).add(item.place)
        return {name: tuple(sorted(places)) for name, places in grouped.items()}

    def collection_refs(self) -> list[CollectionRef]:
        refs = []
        for name, places in self.collection_places().items():
            ref = parse_collection(f"collections/{name}", origin=places[0].file_line)
            if isinstance(ref, CollectionRef):
                refs.append(ref)
        return refs

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "files_scanned": self.files,
            "repos": [
                {"id": repo_id, "repo_type": repo_type, "places": [p.to_json() for p in places]}
                for (repo_type, repo_id), places in self.places().items()
            ],
            "collections": [
                {"collection": name, "places": [p.to_json() for p in places]}
                for name, places in self.collection_places().items()
            ],
            "dynamic": [d.to_json() for d in sorted(self.dynamic, key=lambda d: d.place)],
            "problems": list(self.problems),
            "skipped": [s.to_json() for s in self.skipped],
        }

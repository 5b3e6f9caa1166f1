"""`hubgate pin`: the commit each unpinned repo's default branch is at now, asked through the check
(one request budget, the token's view), then each file's text with its places pinned to it. Nothing is
written here but by `write`, and only files the scan read inside the paths it was given."""

from __future__ import annotations

import ast
import os
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hubgate.check.extras import Extras
from hubgate.check.report import Report
from hubgate.check.run import DEFAULT_JOBS, run_check
from hubgate.check.session import Session
from hubgate.inputs.bounded import UnreadableFile, read_capped
from hubgate.inputs.refs import RepoRef
from hubgate.inputs.scan import scan_file
from hubgate.inputs.scan.model import Found, Place, ScanResult
from hubgate.inputs.scan.walker import MAX_BYTES, kind_of
from hubgate.pin.rewrite import Edit, rewrite
from hubgate.verdicts.verdict import USABLE

_BOM = "\ufeff"


@dataclass
class FileChange:
    """One file's text before and after; `file` as reports show it, `path` as the OS names it."""

    file: str
    path: str
    before: str
    after: str
    pinned: list[Edit]


@dataclass
class PinPlan:
    changes: list[FileChange] = field(default_factory=list)
    refused: list[tuple[Place, str, str]] = field(default_factory=list)  # (place, repo id, why)
    report: Report | None = None  # the check that resolved the commits (requests, token)


def resolve(
    session: Session, result: ScanResult, *, jobs: int = DEFAULT_JOBS
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str], Report]:
    """(commit per (repo_type, id) the code loads unpinned, why the others get none, the check's report).
    Only repos this token may download now are pinned: the commit of a repo it cannot read is not known."""
    refs: dict[tuple[str, str], RepoRef] = {}
    for item in result.unpinned():
        if item.repo_type == "collection":
            continue  # a collection names no revision of its own: its repos are pinned where loaded
        ref = RepoRef(item.repo_id, item.repo_type, item.repo_id, origin=item.place.file_line)
        refs.setdefault((item.repo_type, item.repo_id), ref)
    extras = Extras(follow_bases=False, suggest=False, alternatives=False, rules=None)
    report = run_check(session, list(refs.values()), jobs=jobs, extras=extras)
    shas: dict[tuple[str, str], str] = {}
    why: dict[tuple[str, str], str] = {}
    for key, verdict in zip(refs, report.verdicts, strict=True):
        if verdict.status in USABLE and verdict.sha:
            shas[key] = verdict.sha
        elif verdict.status in USABLE:
            why[key] = "the Hub named no commit for it"
        else:
            why[key] = f"{verdict.status.value}: {verdict.message}"
    return shas, why, report


def plan(
    result: ScanResult, shas: dict[tuple[str, str], str], why: dict[tuple[str, str], str], roots: list[str]
) -> PinPlan:
    """Each file's pinned text. A place loading several repos (a loop over ids) is left for a person: one
    literal cannot pin them all. A file outside `roots`, behind a link, not UTF-8, or whose rewrite does
    not verify (it no longer parses, or the scan of it still finds the places unpinned) is left as is."""
    out = PinPlan()
    repos_at: dict[Place, set[str]] = {}
    for item in result.unpinned():
        repos_at.setdefault(item.place, set()).add(item.repo_id)
    by_file: dict[str, list[Edit]] = {}
    for item in result.unpinned():
        key = (item.repo_type, item.repo_id)
        if len(repos_at[item.place]) > 1:
            out.refused.append((item.place, item.repo_id, "this place loads several repos: pin it by hand"))
        elif key not in shas:
            out.refused.append((item.place, item.repo_id, why.get(key, "no commit known")))
        else:
            by_file.setdefault(item.place.path or item.place.file, []).append(
                Edit(item.place, item.repo_id, shas[key])
            )
    real_roots = [os.path.realpath(root) for root in roots]
    for path, edits in by_file.items():
        change, refused = _file(path, edits, real_roots)
        out.refused += refused
        if change is not None:
            out.changes.append(change)
    out.refused.sort(key=lambda r: r[0])
    return out


def _inside(path: str, roots: list[str]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real.is_relative_to(root) for root in roots)


def _file(
    path: str, edits: list[Edit], roots: list[str]
) -> tuple[FileChange | None, list[tuple[Place, str, str]]]:
    def refuse(reason: str) -> tuple[None, list[tuple[Place, str, str]]]:
        return None, [(e.place, e.repo_id, reason) for e in edits]

    name = edits[0].place.file
    kind = kind_of(os.path.basename(path))
    if kind is None:
        return refuse("not a file kind hubgate rewrites")
    if os.path.islink(path) or not _inside(path, roots):
        return refuse("reached through a link or outside the paths given: not rewritten")
    try:
        data = read_capped(path, MAX_BYTES, what=f"{kind} file", pipes=False)
        text = data.decode("utf-8")
    except (UnreadableFile, UnicodeDecodeError) as exc:
        return refuse(f"not read as UTF-8 text ({type(exc).__name__}): not rewritten")
    bom = _BOM if text.startswith(_BOM) else ""
    body = text.removeprefix(_BOM)
    done = rewrite(body, kind, edits)
    refused = [(e.place, e.repo_id, reason) for e, reason in done.refused]
    if not done.done or done.text == body:
        return None, refused
    problem = _verify(body, done.text, name, kind, done.done)
    if problem is not None:
        return None, refused + [(e.place, e.repo_id, problem) for e in done.done]
    return FileChange(name, path, text, bom + done.text, done.done), refused


def _unpinned_count(found: list[Found]) -> Counter[str]:
    return Counter(item.repo_id for item in found if item.place.unpinned)


def _verify(before: str, after: str, name: str, kind: str, done: list[Edit]) -> str | None:
    """Why the new text must not be written, or None: Python must still parse, and a new scan must find
    exactly the pinned places gone from the unpinned ones, each repo now at its commit."""
    if kind == "python":
        try:
            ast.parse(after)
        except (SyntaxError, ValueError):
            return "the rewrite would not parse: not written (please report it)"
    old_found = scan_file(before, name, kind)[0]
    new_found = scan_file(after, name, kind)[0]
    expected = _unpinned_count(old_found)
    expected.subtract(Counter(e.repo_id for e in done))
    left = _unpinned_count(new_found)
    if +expected != +left:
        return "the rewrite did not verify (the scan still finds it unpinned): not written (please report it)"
    pinned = {(item.repo_id, item.place.revision) for item in new_found}
    if any((e.repo_id, e.sha) not in pinned for e in done):
        return "the rewrite did not verify (the commit is not where the scan reads it): not written"
    return None


def write(change: FileChange) -> None:
    """Replace the file at once (a temporary file beside it, then a rename), keeping its mode; never
    through a link that appeared since it was read."""
    path = Path(change.path)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise OSError(f"{change.file}: no longer a regular file, not written")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".hubgate-pin")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(change.after.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

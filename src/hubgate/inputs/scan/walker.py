"""Which files a scan reads: every file under the paths whose kind it knows, honouring `.gitignore`
files (at any depth, read with `pathspec`), `--include`/`--exclude` globs (gitignore syntax), and
skipping virtual environments, caches, VCS folders, `node_modules` and files too big to be code.
`.gitignore` files above the walked folder count too, up to the top of its git work tree.

The tree is someone else's: the walk lists folders with `os.scandir` and never follows a link out of
the folder it was given. A file is read only when it is a regular file whose real path is inside that
folder; links elsewhere, FIFOs, devices, sockets, unreadable folders and oversized files are each one
`Skipped` line, and the walk goes on."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hubgate.inputs.bounded import UnreadableFile, decode_text, read_capped, regular_file_within
from hubgate.inputs.scan.model import Skipped, shown

# Bigger "code" files are generated data (lock files, dumps), not hand-written ids; past this a file
# costs memory and parse time for nothing, so it is left out with a note.
MAX_BYTES = 4 * 2**20
MAX_IGNORE_BYTES = 2**20  # a .gitignore of a megabyte is already absurd

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
     ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".cache", ".ipynb_checkpoints", "site-packages",
     ".eggs", ".idea", ".vscode", "wandb", "mlruns", ".hypothesis", ".direnv"}
)  # fmt: skip

_SHELL_NAMES = ("Dockerfile", "Containerfile", "Makefile", "GNUmakefile", "makefile")
_LISTS = frozenset({"models_to_check.txt", "datasets_to_check.txt"})


def kind_of(name: str) -> str | None:
    """python, notebook, yaml, json, toml, shell or list; None for files the scan does not read."""
    lower = name.lower()
    suffix = lower.rsplit(".", 1)[-1] if "." in lower else ""
    if suffix == "py":
        return "python"
    if suffix == "ipynb":
        return "notebook"
    if suffix in ("yaml", "yml"):
        return "yaml"
    if suffix == "json":
        return None if lower in ("package-lock.json",) else "json"
    if suffix == "toml":
        return "toml"
    if suffix in ("sh", "bash", "zsh", "mk", "dockerfile") or name.startswith(_SHELL_NAMES):
        return "shell"
    if lower in _LISTS:
        return "list"
    return None


@dataclass(frozen=True)
class Target:
    """A file to read: `path` to open (the real path when the tree named it through a link), `name` as
    reports show it, its `kind`, and `source`, its absolute path as the tree names it (for SARIF)."""

    path: Path | str
    name: str
    kind: str
    source: str


@dataclass(frozen=True)
class _Ignore:
    base: str  # folder of the .gitignore, relative to the walk root ("" for the root and above)
    spec: object
    prefix: str = ""  # for a .gitignore above the walk root: the walk root's path from its folder


def _spec_of(lines: list[str]):  # type: ignore[no-untyped-def]
    """A gitignore spec; lines git would not understand (`!` alone, a trailing `\\`) are left out, as
    git leaves them out, rather than failing the whole file."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:
        kept = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except ValueError:
                continue
            kept.append(line)
        return pathspec.GitIgnoreSpec.from_lines(kept)


def _load_ignore(
    path: Path, base: str, shown_as: str, skipped: list[Skipped], prefix: str = ""
) -> _Ignore | None:
    """The .gitignore at `path` (known to be a regular file, not a link), or None with a note when it
    cannot be used: a binary or oversized file ignores nothing rather than ending the scan."""
    try:
        text = decode_text(
            read_capped(path, MAX_IGNORE_BYTES, what=".gitignore", pipes=False),
            str(path),
            what=".gitignore",
        )
    except UnreadableFile as exc:
        skipped.append(Skipped(shown_as, f"{exc.problem}; its patterns are not applied"))
        return None
    return _Ignore(base, _spec_of(text.splitlines()), prefix)


def _ancestor_ignores(root: Path, skipped: list[Skipped]) -> list[_Ignore]:
    """The .gitignore files above the walk root, up to the git work tree's top (`hubgate scan src`
    from a repo's root still honours the root's .gitignore). None outside a git work tree."""
    start = root.resolve()
    found: list[_Ignore] = []
    for folder in start.parents:
        candidate = folder / ".gitignore"
        try:
            regular = stat.S_ISREG(os.lstat(candidate).st_mode)
        except OSError:
            regular = False
        if regular:
            prefix = start.relative_to(folder).as_posix() + "/"
            loaded = _load_ignore(candidate, "", shown(str(candidate)), skipped, prefix)
            if loaded is not None:
                found.append(loaded)
        if _exists(folder / ".git"):
            return found
    return []


def _exists(path: Path) -> bool:
    """Whether anything is at `path` (a link counts), without following it and without raising on a
    folder the scan may not read."""
    try:
        os.lstat(path)
    except OSError:
        return False
    return True


def _ignored(ignores: tuple[_Ignore, ...], relative: str, is_dir: bool) -> bool:
    for ignore in ignores:
        if ignore.base and not relative.startswith(ignore.base + "/"):
            continue
        inner = ignore.prefix + (relative[len(ignore.base) + 1 :] if ignore.base else relative)
        if ignore.spec.match_file(inner + "/" if is_dir else inner):  # type: ignore[attr-defined]
            return True
    return False


def _spec(patterns: list[str] | None, option: str):  # type: ignore[no-untyped-def]
    """The user's globs; one git would not understand is a ValueError naming it (the CLI's one line)."""
    if not patterns:
        return None
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except ValueError:
            raise ValueError(f"{option} {pattern!r}: not a glob in gitignore syntax") from None
    return pathspec.GitIgnoreSpec.from_lines(patterns)


class _Walk:
    def __init__(self, include: list[str] | None, exclude: list[str] | None, skipped: list[Skipped]) -> None:
        self.include, self.exclude = _spec(include, "--include"), _spec(exclude, "--exclude")
        self.skipped = skipped
        self.cwd = Path.cwd()
        self.display_prefix, self.root_absolute = "", ""
        self.seen: set[tuple[int, int]] = set()  # (device, inode) of files yielded: links and hard links once
        # Links inside the tree are read after the walk, so that a file is reported under its own name
        # when the walk reaches it, and through a link only when it does not (an ignored folder).
        self.links: list[tuple[Path, Path, str, tuple[int, int]]] = []

    def note(self, path: Path | str, reason: str) -> None:
        self.skipped.append(Skipped(_display(Path(path), self.cwd), shown(reason)))

    def admitted(
        self,
        path: Path | str,
        kind: str,
        stat_of: Callable[[], os.stat_result],
        placed: tuple[str, str] | None = None,
    ) -> Iterator[Target]:
        """`path` as a target when it is a regular file within the size cap; otherwise a note says why not.
        `placed`: (display name, absolute path) when the walk already knows them."""
        try:
            info = stat_of()
        except OSError as exc:
            self.note(path, f"cannot read ({exc.strerror or exc})")
            return
        if not stat.S_ISREG(info.st_mode):
            self.note(path, "not a regular file (a FIFO, device or socket), not read")
            return
        if info.st_size > MAX_BYTES:
            self.note(path, _too_big())
            return
        found = self.target(path, path, kind, (info.st_dev, info.st_ino), placed)
        if found is not None:
            yield found

    def target(
        self,
        path: Path | str,
        real: Path | str,
        kind: str,
        identity: tuple[int, int],
        placed: tuple[str, str] | None = None,
    ) -> Target | None:
        if identity in self.seen:
            return None
        self.seen.add(identity)
        if placed is not None:
            return Target(real, shown(placed[0]), kind, placed[1])
        return Target(real, _display(Path(path), self.cwd), kind, os.path.abspath(path))

    def given_file(self, path: Path) -> Iterator[Target]:
        """A file named on the command line: the user chose it, so a link is followed wherever it goes,
        but only to a regular file of bounded size."""
        kind = kind_of(path.name)
        if kind is None:
            return
        yield from self.admitted(path, kind, lambda: os.stat(path))

    def folder(self, root: Path) -> Iterator[Target]:
        real_root = root.resolve()
        # A file's display name and absolute path are the root's plus its path inside the tree: joined
        # as text once per file, where pathlib per file cost more than reading it (10,000-file trees).
        root_display = _display(root, self.cwd)
        self.display_prefix = "" if root_display == "." else root_display.rstrip("/") + "/"
        self.root_absolute = os.path.abspath(root)
        ignores = () if _exists(root / ".git") else tuple(_ancestor_ignores(root, self.skipped))
        stack: list[tuple[Path, str, tuple[_Ignore, ...]]] = [(root, "", ignores)]
        while stack:
            here, rel_folder, ignores = stack.pop()
            try:
                with os.scandir(here) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as exc:
                self.note(here, f"folder not readable ({exc.strerror or exc}), not scanned")
                continue
            try:
                device = os.stat(here).st_dev
            except OSError:
                device = -1  # each file is then stat-ed for its identity
            names = {entry.name: entry for entry in entries}
            if rel_folder and _is_environment(names):
                continue
            ignore_entry = names.get(".gitignore")
            if ignore_entry is not None and not ignore_entry.is_symlink() and _is_file(ignore_entry):
                loaded = _load_ignore(
                    Path(ignore_entry.path),
                    rel_folder,
                    _display(Path(ignore_entry.path), self.cwd),
                    self.skipped,
                )
                if loaded is not None:
                    ignores = (*ignores, loaded)
            elif ignore_entry is not None and ignore_entry.is_symlink():
                # git does not follow a .gitignore that is a link (since 2.32); neither does the scan
                self.note(
                    Path(ignore_entry.path), "a link; git does not read a linked .gitignore, not applied"
                )
            folders: list[tuple[Path, str, tuple[_Ignore, ...]]] = []
            for entry in entries:
                relative = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
                if entry.is_symlink():
                    self.link(Path(entry.path), relative, ignores, real_root)
                elif _is_dir(entry):
                    if self.keep_folder(entry.name, relative, ignores):
                        folders.append((Path(entry.path), relative, ignores))
                else:
                    yield from self.file(entry, relative, ignores, device)
            stack.extend(reversed(folders))  # depth first, in name order, as os.walk goes

    def keep_folder(self, name: str, relative: str, ignores: tuple[_Ignore, ...]) -> bool:
        if name in SKIP_DIRS or name.endswith(".egg-info"):
            return False
        if _ignored(ignores, relative, True):
            return False
        return not (self.exclude and self.exclude.match_file(relative + "/"))

    def wanted(self, relative: str, ignores: tuple[_Ignore, ...]) -> bool:
        if _ignored(ignores, relative, False):
            return False
        if self.exclude and self.exclude.match_file(relative):
            return False
        return not (self.include and not self.include.match_file(relative))

    def file(
        self, entry: os.DirEntry[str], relative: str, ignores: tuple[_Ignore, ...], device: int
    ) -> Iterator[Target]:
        kind = kind_of(entry.name)
        if kind is None or not self.wanted(relative, ignores):
            return
        placed = (self.display_prefix + relative, os.path.join(self.root_absolute, relative))
        if device >= 0 and _is_file(entry):
            # The listing already says it is a regular file and names its inode: no stat per file. Its
            # size is measured when it is read (read_capped refuses it past MAX_BYTES), as is its type:
            # a file swapped for a FIFO in between is refused there too.
            found = self.target(entry.path, entry.path, kind, (device, entry.inode()), placed)
            if found is not None:
                yield found
            return
        yield from self.admitted(entry.path, kind, lambda: entry.stat(follow_symlinks=False), placed)

    def linked(self) -> Iterator[Target]:
        for path, real, kind, identity in self.links:
            found = self.target(path, real, kind, identity)
            if found is not None:
                yield found

    def link(self, path: Path, relative: str, ignores: tuple[_Ignore, ...], real_root: Path) -> None:
        """A link inside the tree: followed only to a regular file inside the scanned folder, after the
        walk (`linked`). A link to a folder is never descended (what it points to inside the tree is
        scanned where it is)."""
        try:
            info = os.stat(path)
        except (OSError, RuntimeError):
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            if not self.keep_folder(path.name, relative, ignores):
                return
            real = path.resolve()
            if not real.is_relative_to(real_root):
                self.note(path, f"a link to the folder {real}, outside the scanned folder, not followed")
            return
        kind = kind_of(path.name)
        if kind is None or not self.wanted(relative, ignores):
            return
        reason = regular_file_within(path, real_root)
        if reason is not None or info is None:
            self.note(path, f"{reason or 'a broken or looping link'}, not read")
            return
        if info.st_size > MAX_BYTES:
            self.note(path, _too_big())
            return
        self.links.append((path, path.resolve(), kind, (info.st_dev, info.st_ino)))


def _too_big() -> str:
    return f"larger than {MAX_BYTES // 2**20} MiB, not read (hubgate scan reads files up to {MAX_BYTES // 2**20} MiB)"


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def walk(
    paths: list[str],
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    skipped: list[Skipped] | None = None,
) -> Iterator[Target]:
    """Every file to read under `paths`. Display names are relative to the working folder when the file
    is under it (what CI annotations need), else as given. What is left out is added to `skipped`."""
    walker = _Walk(include, exclude, skipped if skipped is not None else [])
    for given in paths:
        root = Path(given)
        try:
            info = os.stat(root)
        except OSError as exc:
            walker.note(root, f"cannot read ({exc.strerror or exc})")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from walker.folder(root)
        else:
            yield from walker.given_file(root)
    yield from walker.linked()


def _is_environment(names: dict[str, os.DirEntry[str]]) -> bool:
    """A virtual environment (pyvenv.cfg) or a conda environment (conda-meta/), whatever its name."""
    if "pyvenv.cfg" in names:
        return True
    conda = names.get("conda-meta")
    return conda is not None and _is_dir(conda)


def _display(path: Path, cwd: Path) -> str:
    absolute = path.absolute()
    try:
        return shown(absolute.relative_to(cwd).as_posix())
    except ValueError:
        return shown(path.as_posix())

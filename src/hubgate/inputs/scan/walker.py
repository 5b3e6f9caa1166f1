"""Which files a scan reads: every file under the paths whose kind it knows, honouring `.gitignore`
files (at any depth, read with `pathspec`), `--include`/`--exclude` globs (gitignore syntax), and
skipping virtual environments, caches, VCS folders, `node_modules` and files too big to be code.
`.gitignore` files above the walked folder count too, up to the top of its git work tree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 2_000_000  # bigger "code" files are generated data (lock files, dumps), not hand-written ids

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
class _Ignore:
    base: str  # folder of the .gitignore, relative to the walk root ("" for the root and above)
    spec: object
    prefix: str = ""  # for a .gitignore above the walk root: the walk root's path from its folder


def _load_ignore(folder: Path, base: str, prefix: str = "") -> _Ignore | None:
    path = folder / ".gitignore"
    if not path.is_file():
        return None
    import pathspec

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _Ignore(base, pathspec.GitIgnoreSpec.from_lines(lines), prefix)


def _ancestor_ignores(root: Path) -> list[_Ignore]:
    """The .gitignore files above the walk root, up to the git work tree's top (`hubgate scan src`
    from a repo's root still honours the root's .gitignore). None outside a git work tree."""
    start = root.resolve()
    found: list[_Ignore] = []
    for folder in start.parents:
        loaded = _load_ignore(folder, "", start.relative_to(folder).as_posix() + "/")
        if loaded is not None:
            found.append(loaded)
        if (folder / ".git").exists():
            return found
    return []


def _ignored(ignores: list[_Ignore], relative: str, is_dir: bool) -> bool:
    for ignore in ignores:
        if ignore.base and not relative.startswith(ignore.base + "/"):
            continue
        inner = ignore.prefix + (relative[len(ignore.base) + 1 :] if ignore.base else relative)
        if ignore.spec.match_file(inner + "/" if is_dir else inner):  # type: ignore[attr-defined]
            return True
    return False


def _spec(patterns: list[str] | None):  # type: ignore[no-untyped-def]
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def walk(
    paths: list[str], include: list[str] | None = None, exclude: list[str] | None = None
) -> Iterator[tuple[Path, str, str]]:
    """(path, display name, kind) for every file to read. Display names are relative to the working
    folder when the file is under it (what CI annotations need), else as given."""
    include_spec, exclude_spec = _spec(include), _spec(exclude)
    cwd = Path.cwd()
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_file():
            kind = kind_of(root.name)
            if kind is not None and root.resolve() not in seen:
                seen.add(root.resolve())
                yield root, _display(root, cwd), kind
            continue
        ignores = _ancestor_ignores(root) if not (root / ".git").exists() else []
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            rel_folder = here.relative_to(root).as_posix()
            rel_folder = "" if rel_folder == "." else rel_folder
            loaded = _load_ignore(here, rel_folder)
            if loaded is not None:
                ignores.append(loaded)
            kept = []
            for name in sorted(dirs):
                relative = f"{rel_folder}/{name}" if rel_folder else name
                if name in SKIP_DIRS or name.endswith(".egg-info") or _is_environment(here / name):
                    continue
                if _ignored(ignores, relative, True) or (
                    exclude_spec and exclude_spec.match_file(relative + "/")
                ):
                    continue
                kept.append(name)
            dirs[:] = kept
            for name in sorted(files):
                kind = kind_of(name)
                if kind is None:
                    continue
                relative = f"{rel_folder}/{name}" if rel_folder else name
                if _ignored(ignores, relative, False):
                    continue
                if exclude_spec and exclude_spec.match_file(relative):
                    continue
                if include_spec and not include_spec.match_file(relative):
                    continue
                path = here / name
                resolved = path.resolve()
                if resolved in seen:
                    continue
                seen.add(resolved)
                yield path, _display(path, cwd), kind


def _is_environment(folder: Path) -> bool:
    """A virtual environment (pyvenv.cfg) or a conda environment (conda-meta/), whatever its name."""
    return (folder / "pyvenv.cfg").exists() or (folder / "conda-meta").is_dir()


def _display(path: Path, cwd: Path) -> str:
    absolute = path.absolute()
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()

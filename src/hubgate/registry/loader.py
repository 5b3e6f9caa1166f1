"""Load registry folders: validate each file against the schema and merge the layers into a Registry.

A registry folder holds one YAML file per model at `models/<org>/<name>.yaml` (API models without an
org live at `models/<provider>-api/<name>.yaml`). The bundled folder ships in the wheel as
`hubgate/_registry`; in a source checkout it is the repo's top-level `registry/`. Users add or
override entries with their own folders (`--registry DIR`, or `HUBGATE_REGISTRY`, os.pathsep-separated),
merged over the bundled one in order: an entry replaces the one with the same model_id, and the
replacement is recorded in `Registry.overrides`.

Every problem names the file, the line and the field (`file:line: field: message`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hubgate.inputs.words import unknown_field
from hubgate.paths import Problem, display_path
from hubgate.registry.disk_cache import read_layer, registry_cache_dir
from hubgate.registry.folders import expected_relpath, models_root, registry_layers
from hubgate.registry.index import Override, Registry
from hubgate.registry.schema import ModelEntry


class RegistryError(Exception):
    """The registry has problems; `problems` lists each as file:line: field: message."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        head = "\n".join(str(problem) for problem in self.problems[:20])
        more = f"\n... and {count - 20} more" if count > 20 else ""
        super().__init__(f"{count} problem{'s' * (count != 1)} in the registry:\n{head}{more}")


_PATH_PREFIX = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_]+)*): (.+)$", re.S)


def _validation_problems(path: Path, error: Any) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = [part for part in item["loc"] if isinstance(part, str | int)]
        message = str(item["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        match = _PATH_PREFIX.match(message)
        if item["type"] == "value_error" and match:  # a model check naming the field it is about
            loc += [int(part) if part.isdigit() else part for part in match.group(1).split(".")]
            message = match.group(2)
        if item["type"] == "extra_forbidden":
            message = unknown_field(ModelEntry, loc, "schema")
        name = ".".join(str(part) for part in loc) or "(entry)"
        problems.append(Problem(display_path(path), line_of(path, loc), name, message))
    return problems


def validate_data(
    path: Path, data: dict[str, Any], root: Path | None = None
) -> tuple[ModelEntry | None, list[Problem]]:
    """The entry of one file, or its problems. With `root` (the folder's models root), the file must
    sit where its id says: `<org>/<name>.yaml`, or `<provider>-api/<name>.yaml` for API models."""
    from pydantic import ValidationError

    try:
        entry = ModelEntry.model_validate(data)
    except ValidationError as exc:
        return None, _validation_problems(path, exc)
    if root is not None:
        expected = expected_relpath(entry.model_id, entry.provider)
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            rel = None
        if rel is not None and rel != expected:
            message = f"{entry.model_id!r} belongs in {expected} under {display_path(root)}, not in {rel}"
            return None, [Problem(display_path(path), line_of(path, ["model_id"]), "model_id", message)]
    return entry, []


# Loading and merging ----------------------------------------------------------------------------------


def load_registry(
    paths: Sequence[str | os.PathLike[str]] | None = None,
    *,
    bundled: bool = True,
    env: bool = True,
    strict: bool = True,
    cache_dir: Path | bool | None = True,
) -> Registry:
    """Load the bundled registry, then HUBGATE_REGISTRY's folders, then `paths`, each merged over the last.

    With `strict` (the default) any problem raises RegistryError; otherwise the problems are in
    `Registry.problems` and the entries that validated are kept. `cache_dir=True` uses the default
    cache (HUBGATE_REGISTRY_CACHE or the user cache dir), False or None none.
    """
    layers = registry_layers(paths, bundled=bundled, env=env)
    cache = registry_cache_dir() if cache_dir is True else (cache_dir or None)

    problems: list[Problem] = []
    models: dict[str, ModelEntry] = {}
    files: dict[str, Path] = {}
    overrides: list[Override] = []
    for folder in layers:
        if not folder.is_dir():
            problems.append(Problem(display_path(folder), 0, "(registry)", "no such folder"))
            continue
        parsed, layer_problems = read_layer(folder, cache)
        problems += layer_problems
        seen: dict[str, Path] = {}
        for path, data in parsed:
            entry, entry_problems = validate_data(path, data, models_root(folder))
            problems += entry_problems
            if entry is None:
                continue
            key = entry.model_id.lower()
            if key in seen:
                problems.append(
                    Problem(
                        display_path(path),
                        line_of(path, ["model_id"]),
                        "model_id",
                        f"{entry.model_id!r} is also defined in {display_path(seen[key])}",
                    )
                )
                continue
            seen[key] = path
            previous = next((mid for mid in models if mid.lower() == key), None)
            if previous is not None:
                overrides.append(Override(entry.model_id, files[previous], path))
                del models[previous]
                del files[previous]
            models[entry.model_id] = entry
            files[entry.model_id] = path
    problems += _name_conflicts(models, files)
    ordered = dict(sorted(models.items(), key=lambda item: item[0].lower()))
    if strict and problems:
        raise RegistryError(problems)
    return Registry(
        models=ordered,
        files={mid: files[mid] for mid in ordered},
        layers=layers,
        overrides=overrides,
        problems=sorted(problems),
    )


def _name_conflicts(models: dict[str, ModelEntry], files: dict[str, Path]) -> list[Problem]:
    """Aliases and legacy ids must name one model; misspellings must not be real names."""
    owners: dict[str, tuple[str, str]] = {}  # lower name -> (model_id, field)
    problems: list[Problem] = []

    def where(model_id: str, field_name: str, index: int | None) -> tuple[str, int]:
        path = files[model_id]
        loc: list[str | int] = [field_name] if index is None else [field_name, index]
        return display_path(path), line_of(path, loc)

    for model_id in models:
        owners.setdefault(model_id.lower(), (model_id, "model_id"))
    for model_id, entry in models.items():
        for field_name in ("legacy_ids", "aliases"):
            for index, name in enumerate(getattr(entry, field_name)):
                owner = owners.get(name.lower())
                if owner is not None and owner[0] != model_id:
                    file, line = where(model_id, field_name, index)
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{field_name}.{index}",
                            f"{name!r} already names {owner[0]} ({owner[1]} in {display_path(files[owner[0]])})",
                        )
                    )
                else:
                    owners[name.lower()] = (model_id, field_name)
    claimed: dict[str, str] = {}
    for model_id, entry in models.items():
        for index, name in enumerate(entry.misspellings):
            owner = owners.get(name.lower())
            if owner is not None:
                file, line = where(model_id, "misspellings", index)
                problems.append(
                    Problem(
                        file,
                        line,
                        f"misspellings.{index}",
                        f"{name!r} is a real name of {owner[0]} ({display_path(files[owner[0]])}), not a misspelling",
                    )
                )
            elif name.lower() in claimed and claimed[name.lower()] != model_id:
                other = claimed[name.lower()]
                file, line = where(model_id, "misspellings", index)
                problems.append(
                    Problem(
                        file,
                        line,
                        f"misspellings.{index}",
                        f"{name!r} is also recorded as a misspelling of {other} ({display_path(files[other])})",
                    )
                )
            else:
                claimed[name.lower()] = model_id
    return problems


def line_of(path: Path, loc: Sequence[str | int]) -> int:
    """The line of `loc` in the file, for a problem: PyYAML is imported only when there is one to place."""
    from hubgate.registry.yaml_reader import line_of as located

    return located(path, loc)

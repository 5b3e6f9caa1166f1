"""Load registry folders: parse YAML, validate each file against the schema, merge layers, cache.

A registry folder holds one YAML file per model at `models/<org>/<name>.yaml` (API models without an
org live at `models/<provider>-api/<name>.yaml`). The bundled folder ships in the wheel as
`hubgate/_registry`; in a source checkout it is the repo's top-level `registry/`. Users add or
override entries with their own folders (`--registry DIR`, or `HUBGATE_REGISTRY`, os.pathsep-separated),
merged over the bundled one in order: an entry replaces the one with the same model_id, and the
replacement is recorded in `Registry.overrides`.

Every problem names the file, the line and the field (`file:line: field: message`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hubgate._version import __version__
from hubgate.paths import Problem, bundled_dir, display_path, env_dirs
from hubgate.registry.schema import SCHEMA_VERSION, ModelEntry, Provider

ENV_CACHE = "HUBGATE_REGISTRY_CACHE"  # a folder for the compiled cache, or "off"
MAX_CACHE_BYTES = 64 * 2**20  # the bundled layer compiles to well under 1 MiB
_YAML_SUFFIXES = (".yaml", ".yml")

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """Safe loading (C-accelerated when libyaml is there) that refuses duplicate keys."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class RegistryError(Exception):
    """The registry has problems; `problems` lists each as file:line: field: message."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        head = "\n".join(str(problem) for problem in self.problems[:20])
        more = f"\n... and {count - 20} more" if count > 20 else ""
        super().__init__(f"{count} problem{'s' * (count != 1)} in the registry:\n{head}{more}")


@dataclass(frozen=True)
class Override:
    model_id: str
    replaced: Path
    by: Path

    def __str__(self) -> str:
        return f"{self.model_id}: {self.by} overrides {self.replaced}"


@dataclass
class Registry:
    """Validated entries by model_id, with the file each came from and the names that resolve to them."""

    models: dict[str, ModelEntry]
    files: dict[str, Path]
    layers: list[Path] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._names: dict[str, str] = {}
        self._misspellings: dict[str, str] = {}
        for model_id, entry in self.models.items():
            for name in entry.names():
                self._names.setdefault(name.lower(), model_id)
        for model_id, entry in self.models.items():
            for wrong in entry.misspellings:
                if wrong.lower() not in self._names:
                    self._misspellings.setdefault(wrong.lower(), model_id)
        self._misspelled_as = {
            wrong: model_id for model_id, entry in self.models.items() for wrong in entry.misspellings
        }

    def resolve(self, name: str) -> str | None:
        """The model_id that an id, legacy id or alias names (case-insensitively), else None."""
        return self._names.get(_normalise(name).lower())

    def get(self, name: str) -> ModelEntry | None:
        model_id = self.resolve(name)
        return self.models[model_id] if model_id else None

    def misspelling_of(self, name: str) -> str | None:
        """The real model_id a recorded misspelling stands for, else None."""
        return self._misspellings.get(_normalise(name).lower())

    def alias_map(self) -> dict[str, str]:
        """Every alias and legacy id, as written in the registry, -> its model_id."""
        return {
            name: model_id
            for model_id, entry in self.models.items()
            for name in (*entry.legacy_ids, *entry.aliases)
        }

    def misspellings_map(self) -> dict[str, str]:
        """Every recorded misspelling, as written, -> the model_id that was meant."""
        return dict(self._misspelled_as)

    def all_names(self) -> list[str]:
        return [name for entry in self.models.values() for name in entry.names()]

    def __len__(self) -> int:
        return len(self.models)


def _normalise(name: str) -> str:
    name = name.strip()
    for prefix in ("https://huggingface.co/", "http://huggingface.co/", "hf://"):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    return name.strip("/")


# Folders -------------------------------------------------------------------------------------------


def models_root(folder: Path) -> Path:
    """Where the YAML files of a registry folder are: its `models/` if there is one, else itself."""
    sub = folder / "models"
    return sub if sub.is_dir() else folder


def registry_files(folder: Path) -> list[Path]:
    """The model files of a folder; a `gpus/` beside them is the GPU catalogue's, never read as models."""
    root = models_root(folder)
    gpus = folder / "gpus"
    return sorted(
        path
        for path in root.rglob("*")
        # Not only regular files: a link to a device or a FIFO is reported when read, never skipped.
        if path.suffix in _YAML_SUFFIXES and not path.is_dir() and not path.is_relative_to(gpus)
    )


def expected_relpath(entry_id: str, provider: Provider) -> str:
    if provider is Provider.huggingface:
        return f"{entry_id}.yaml"
    return f"{provider.value}-api/{entry_id}.yaml"


# Parsing with lines ----------------------------------------------------------------------------------


# One entry is a screenful of YAML; a file far past this is not an entry.
MAX_ENTRY_BYTES = 2**20


def _read_entry_text(path: Path) -> str:
    from hubgate.inputs.bounded import decode_text, read_capped

    return decode_text(
        read_capped(path, MAX_ENTRY_BYTES, what="registry entry", pipes=False), display_path(path)
    )


def parse_file(path: Path) -> tuple[Any, Problem | None]:
    """The YAML data of one file, or the problem that stops it being read. The file is read within
    MAX_ENTRY_BYTES, and its composed document is measured (aliases expanded, nesting) before it is
    built: a "billion laughs" file is one problem, not minutes and gigabytes."""
    from hubgate.inputs.bounded import UnreadableFile, check_yaml_size, check_yaml_text

    try:
        text = _read_entry_text(path)
    except UnreadableFile as exc:
        return None, Problem(display_path(path), 1, "(file)", f"cannot be read: {exc.problem}")
    try:
        check_yaml_text(text, display_path(path), _Loader)
    except UnreadableFile as exc:
        return None, Problem(display_path(path), 1, "(yaml)", exc.problem)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        check_yaml_size(node, display_path(path))
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, Problem(
            display_path(path), line, "(yaml)", f"{exc.context or ''} {exc.problem or ''}".strip()
        )
    except yaml.YAMLError as exc:
        return None, Problem(display_path(path), 1, "(yaml)", str(exc))
    except UnreadableFile as exc:
        return None, Problem(display_path(path), 1, "(yaml)", exc.problem)
    except RecursionError:
        return None, Problem(display_path(path), 1, "(yaml)", "nested too deep to parse")
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, Problem(
            display_path(path), 1, "(file)", f"must be a mapping of fields, not {type(data).__name__}"
        )
    return data, None


def _line_of(path: Path, loc: Sequence[str | int]) -> int:
    """The 1-based line of the node at `loc` (a pydantic error location); the nearest parent if absent."""
    from hubgate.inputs.bounded import UnreadableFile

    try:
        node = yaml.compose(_read_entry_text(path), Loader=_BaseLoader)
    except (UnreadableFile, yaml.YAMLError, RecursionError):
        return 1
    if node is None:
        return 1
    line = node.start_mark.line + 1
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            # A key may itself hold dots (sources: {specs.parameters: ...}): try the longest first.
            rest = [str(p) for p in parts]
            for width in range(len(rest), -1, -1):
                wanted = ".".join([part, *rest[:width]])
                found = next((pair for pair in node.value if pair[0].value == wanted), None)
                if found is not None:
                    del parts[:width]
                    line = found[0].start_mark.line + 1
                    node = found[1]
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


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
            message = "not a field of the schema (a typo?)"
        name = ".".join(str(part) for part in loc) or "(entry)"
        problems.append(Problem(display_path(path), _line_of(path, loc), name, message))
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
            return None, [Problem(display_path(path), _line_of(path, ["model_id"]), "model_id", message)]
    return entry, []


# Cache -----------------------------------------------------------------------------------------------


def default_cache_dir() -> Path | None:
    raw = os.environ.get(ENV_CACHE)
    if raw is not None:
        return None if raw.strip().lower() in ("", "0", "off", "no", "false") else Path(raw).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("hubgate") / "registry"


def _signature(files: Iterable[Path]) -> list[list[Any]]:
    rows = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # a dangling link: parse_file reports it
            rows.append([str(path), -1, -1])
            continue
        rows.append([str(path), stat.st_mtime_ns, stat.st_size])
    return rows


def _cache_file(cache_dir: Path, folder: Path) -> Path:
    key = hashlib.sha256(f"{folder.resolve()}|{SCHEMA_VERSION}|{__version__}".encode()).hexdigest()[:20]
    return cache_dir / f"layer-{key}.json"


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def read_layer(
    folder: Path, cache_dir: Path | None
) -> tuple[list[tuple[Path, dict[str, Any]]], list[Problem]]:
    """The parsed YAML of every file of one folder, from the cache when no file changed."""
    files = registry_files(folder)
    signature = _signature(files)
    cache_file = _cache_file(cache_dir, folder) if cache_dir else None
    if cache_file is not None:
        from hubgate.inputs.bounded import UnreadableFile, decode_text, load_json, read_capped

        try:
            # hubgate wrote it, but a damaged or replaced cache is only a miss: the YAML is the truth.
            # The digest catches flipped bytes that still parse, which would otherwise be blamed on the
            # YAML files, run after run, until someone deleted the cache by hand.
            digest, _, body = read_capped(
                cache_file, MAX_CACHE_BYTES, what="registry cache", pipes=False
            ).partition(b"\n")
            if digest.decode("ascii") == hashlib.sha256(body).hexdigest():
                cached = load_json(decode_text(body, str(cache_file)), str(cache_file))
                if cached.get("files") == signature:
                    return [(Path(p), data) for p, data in cached["data"]], []
        except (UnreadableFile, ValueError, KeyError, TypeError, AttributeError):
            pass
    parsed: list[tuple[Path, dict[str, Any]]] = []
    problems: list[Problem] = []
    for path in files:
        data, problem = parse_file(path)
        if problem:
            problems.append(problem)
        else:
            parsed.append((path, data))
    if cache_file is not None and not problems:
        body = json.dumps(
            {"files": signature, "data": [[str(p), d] for p, d in parsed]},
            default=_json_default,
            separators=(",", ":"),
        ).encode()
        _write_atomically(cache_file, hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    return parsed, problems


def _write_atomically(target: Path, payload: bytes) -> None:
    """Write via a temporary file and rename; a cache that cannot be written is silently skipped."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass


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
    layers: list[Path] = []
    if bundled and (found := bundled_dir()) is not None:
        layers.append(found)
    if env:
        layers += env_dirs()
    layers += [Path(p).expanduser() for p in paths or ()]
    cache = default_cache_dir() if cache_dir is True else (cache_dir or None)

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
                        _line_of(path, ["model_id"]),
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
        return display_path(path), _line_of(path, loc)

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

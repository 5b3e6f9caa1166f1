"""The GPU catalogue: one YAML file per GPU under `registry/gpus/`, validated with pydantic.

Memory is recorded as the vendor states it (`memory` + `memory_unit`: `GB` = 10^9 bytes, `GiB` = 2^30
bytes), plus, where known, what the driver reports as the card's total (`reported_mib`, nvidia-smi's
`memory.total` / rocm-smi's VRAM total), which is what a program can actually allocate from (ECC and
firmware reservations come off the nominal size). Unified-memory machines (Apple M-series) add
`gpu_fraction`: the share of unified memory the GPU may use by default. Every figure names its source.

The usable capacity of a GPU is `reported_mib * 2^20` when known, else `memory * unit`, times
`gpu_fraction` on unified memory.

Folders merge in order: the bundled `gpus/` (inside the wheel as `hubgate/_registry/gpus`, else the source
checkout's `registry/gpus`), then `<DIR>/gpus/` for each HUBGATE_REGISTRY folder, then for each
`--registry DIR`. An entry with the same `id` replaces the earlier one.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hubgate.inputs.words import unknown_field
from hubgate.paths import Problem, bundled_dir, display_path, env_dirs

CatalogProblem = Problem  # the name this module has always used

UNITS = {"GB": 10**9, "GiB": 2**30}
MIB = 2**20
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class GpuEntry(BaseModel):
    """One GPU (or one unified-memory size) as recorded in `registry/gpus/<id>.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    vendor: str
    aliases: list[str] = Field(default_factory=list)
    memory: float = Field(gt=0, description="As the vendor states it, in memory_unit")
    memory_unit: Literal["GB", "GiB"]
    reported_mib: int | None = Field(default=None, gt=0, description="Total the driver reports, in MiB")
    bf16: bool | None = None
    unified: bool = False
    gpu_fraction: float | None = Field(default=None, gt=0, le=1)
    sources: dict[str, str] = Field(default_factory=dict)

    @field_validator("gpu_fraction", mode="before")
    @classmethod
    def _fraction(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return float(Fraction(value.strip()))
            except (ValueError, ZeroDivisionError) as exc:
                raise ValueError(f"{value!r} is not a number or a fraction such as 2/3") from exc
        return value

    @model_validator(mode="after")
    def _check(self) -> GpuEntry:
        if not _ID.match(self.id):
            raise ValueError(f"id: {self.id!r} must be lower-case letters, digits, '.', '_' or '-'")
        for index, alias in enumerate(self.aliases):
            if not alias.strip():
                raise ValueError(f"aliases.{index}: empty")
        if self.unified and self.gpu_fraction is None:
            raise ValueError("gpu_fraction: required for unified memory (the share the GPU may use)")
        if not self.unified and self.gpu_fraction is not None:
            raise ValueError("gpu_fraction: only for unified memory (set unified: true)")
        for name in ("memory", "reported_mib", "gpu_fraction", "bf16"):
            if getattr(self, name) is not None and name not in self.sources:
                raise ValueError(f"{name}: set, but `sources` does not say where it came from")
        for key in self.sources:
            if key not in type(self).model_fields:
                raise ValueError(f"sources.{key}: names no field")
        return self

    @property
    def nominal_bytes(self) -> int:
        return round(self.memory * UNITS[self.memory_unit])

    @property
    def usable_bytes(self) -> int:
        """What hubgate fits a model into: the driver's total when known, times the GPU share of unified memory."""
        total = self.reported_mib * MIB if self.reported_mib else self.nominal_bytes
        return int(total * self.gpu_fraction) if self.unified and self.gpu_fraction else total

    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]


class CatalogError(Exception):
    def __init__(self, problems: Sequence[CatalogProblem]) -> None:
        self.problems = sorted(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the GPU catalogue:\n{lines}")


class UnknownGpuError(ValueError):
    """A GPU name the catalogue does not know; `suggestions` are close names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown GPU {name!r}{hint} (`hubgate fit --list-gpus` lists them)")


def normalise(name: str) -> str:
    """`NVIDIA A100 80GB`, `a100_80gb`, `A100-80GB` -> comparable keys."""
    return re.sub(r"[\s_]+", "-", name.strip().lower())


@dataclass
class Catalog:
    gpus: dict[str, GpuEntry]
    files: dict[str, Path] = field(default_factory=dict)
    overrides: list[str] = field(default_factory=list)
    problems: list[CatalogProblem] = field(default_factory=list)  # with strict=False: files left out

    def __post_init__(self) -> None:
        self._names: dict[str, str] = {}
        for gpu in self.gpus.values():
            for name in gpu.names():
                self._names.setdefault(normalise(name), gpu.id)
                if normalise(name).startswith(("nvidia-", "amd-")):
                    self._names.setdefault(normalise(name).split("-", 1)[1], gpu.id)

    def get(self, name: str) -> GpuEntry | None:
        gpu_id = self._names.get(normalise(name))
        return self.gpus[gpu_id] if gpu_id else None

    def resolve(self, name: str) -> GpuEntry:
        """The entry `name` names, or UnknownGpuError with did-you-mean candidates."""
        found = self.get(name)
        if found is None:
            raise UnknownGpuError(name, self.suggest(name))
        return found

    def also_named(self, name: str) -> list[str]:
        """Other entries a short name could mean (`a100` -> the 80GB when it resolved to the 40GB):
        ids containing the name, when the name is an alias rather than an entry's id or full name."""
        entry = self.get(name)
        key = normalise(name)
        if entry is None or key in (entry.id, normalise(entry.name)):
            return []
        pattern = re.compile(rf"(^|-){re.escape(key)}(-|$)")
        return [gpu_id for gpu_id in self.gpus if gpu_id != entry.id and pattern.search(gpu_id)]

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        key = normalise(name)
        out: list[str] = []
        for close in difflib.get_close_matches(key, list(self._names), n=limit * 3, cutoff=0.5):
            gpu_id = self._names[close]
            if gpu_id not in out:
                out.append(gpu_id)
        if not out:  # `a100` style prefixes: every id that contains the key
            out = [gpu_id for gpu_id in self.gpus if key and key in gpu_id]
        return out[:limit]

    def __len__(self) -> int:
        return len(self.gpus)


# Folders ---------------------------------------------------------------------------------------------


def bundled_gpus_dir() -> Path | None:
    root = bundled_dir()
    return root / "gpus" if root is not None and (root / "gpus").is_dir() else None


def gpus_dir(folder: Path) -> Path | None:
    """A user registry folder's GPU files: `<folder>/gpus/`."""
    sub = folder / "gpus"
    return sub if sub.is_dir() else None


def _line_of(text: str, key: str | None) -> int:
    if key is None:
        return 1
    top = key.split(".")[0]
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^{re.escape(top)}\s*:", line):
            return number
    return 1


_PREFIXED = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_]+)*): (.+)$", re.S)


def read_entry(path: Path) -> tuple[GpuEntry | None, list[CatalogProblem]]:
    """One GPU file, validated; problems name the file, the line and the field."""
    from pydantic import ValidationError

    from hubgate.inputs.bounded import MAX_CONFIG_BYTES, UnreadableFile, decode_text, load_yaml, read_capped

    shown = display_path(path)
    try:
        text = decode_text(read_capped(path, MAX_CONFIG_BYTES, what="GPU file", pipes=False), shown)
    except UnreadableFile as exc:
        return None, [CatalogProblem(shown, 1, "(file)", f"cannot be read: {exc.problem}")]
    try:
        data = load_yaml(text, shown)  # aliases and nesting measured before anything is built
    except UnreadableFile as exc:
        return None, [CatalogProblem(shown, exc.line or 1, "(yaml)", exc.problem)]
    if not isinstance(data, dict):
        return None, [CatalogProblem(shown, 1, "(file)", "must be a mapping of fields")]
    try:
        entry = GpuEntry.model_validate(data)
    except ValidationError as exc:
        problems = []
        for item in exc.errors(include_url=False):
            loc = ".".join(str(part) for part in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            match = _PREFIXED.match(message)
            if item["type"] == "value_error" and match:
                loc, message = match.group(1), match.group(2)
            if item["type"] == "extra_forbidden":
                message = unknown_field(GpuEntry, item["loc"], "GPU schema")
            problems.append(CatalogProblem(shown, _line_of(text, loc or None), loc or "(entry)", message))
        return None, problems
    if entry.id != path.stem:
        return None, [
            CatalogProblem(shown, _line_of(text, "id"), "id", f"{entry.id!r} belongs in {entry.id}.yaml")
        ]
    return entry, []


def load_catalog(
    dirs: Iterable[str | os.PathLike[str]] = (),
    *,
    bundled: bool = True,
    env: bool = True,
    strict: bool = True,
) -> Catalog:
    """The bundled GPUs, then `gpus/` of each HUBGATE_REGISTRY folder, then of each of `dirs`.
    Raises CatalogError listing every problem; with `strict=False` (`registry validate`), returns the
    catalogue of the valid files with the problems in `problems`."""
    layers: list[Path] = []
    if bundled and (found := bundled_gpus_dir()) is not None:
        layers.append(found)
    extra = [*(env_dirs() if env else []), *(Path(d).expanduser() for d in dirs)]
    layers += [sub for folder in extra if (sub := gpus_dir(folder)) is not None]
    # A folder named twice (the bundled one by name) is one layer, as in the model registry's loader:
    # merged over itself, every GPU would override itself.
    unique: dict[Path, Path] = {}
    for layer in layers:
        unique.setdefault(layer.resolve(), layer)
    layers = list(unique.values())

    problems: list[CatalogProblem] = []
    gpus: dict[str, GpuEntry] = {}
    files: dict[str, Path] = {}
    overrides: list[str] = []
    for layer in layers:
        for path in sorted(p for p in layer.glob("*.y*ml") if not p.is_dir()):
            entry, found_problems = read_entry(path)
            problems += found_problems
            if entry is None:
                continue
            if entry.id in gpus:
                overrides.append(
                    f"{entry.id}: {display_path(path)} overrides {display_path(files[entry.id])}"
                )
            gpus[entry.id] = entry
            files[entry.id] = path
    owners: dict[str, str] = {}
    for gpu in gpus.values():
        for name in gpu.names():
            key = normalise(name)
            if key in owners and owners[key] != gpu.id:
                problems.append(
                    CatalogProblem(
                        display_path(files[gpu.id]), 1, "aliases", f"{name!r} already names {owners[key]}"
                    )
                )
            owners.setdefault(key, gpu.id)
    if problems and strict:
        raise CatalogError(problems)
    return Catalog(gpus=gpus, files=files, overrides=overrides, problems=sorted(problems))


_DEFAULT: Catalog | None = None


def default_catalog() -> Catalog:
    """The bundled catalogue merged with HUBGATE_REGISTRY's `gpus/` folders; loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_catalog()
    return _DEFAULT


def set_default_catalog(catalog: Catalog | None) -> None:
    global _DEFAULT
    _DEFAULT = catalog

"""The model registry and the GPU catalogue a command reads: the bundled ones, HUBGATE_REGISTRY and the
--registry folders. A folder that is not there, or a GPU or precision the catalogue does not know, ends
the run with one line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from hubgate.cli.errors import fail_usage

if TYPE_CHECKING:
    from hubgate.check.extras import FitRequest
    from hubgate.fit import GpuSpec
    from hubgate.fit.catalog import Catalog
    from hubgate.registry.index import Registry
    from hubgate.registry.summary import RegistrySummary


def require_folders(dirs: list[Path] | None) -> None:
    """Every --registry folder must exist: a typo would silently drop the user's entries."""
    for folder in dirs or ():
        if not folder.is_dir():
            fail_usage(f"--registry {folder}: no such folder")


def registry_or_exit(dirs: list[Path] | None, *, strict: bool = True) -> Registry:
    """The registry for `hubgate registry`; its problems, one line each, and exit 2 when it has any and
    `strict`."""
    from hubgate.registry.loader import RegistryError, load_registry

    require_folders(dirs)
    try:
        return load_registry([*(dirs or ())], strict=strict)
    except RegistryError as exc:
        _fail_listing(
            exc.problems,
            "the registry",
            "fix them; `hubgate registry validate` lists every problem with its file and line",
        )


def joined_registry(dirs: list[Path] | None, disabled: bool) -> RegistrySummary | None:
    """The model registry a check adds facts from, or None with --no-registry."""
    if disabled:
        if dirs:
            fail_usage("--registry and --no-registry contradict each other; pass one")
        return None
    return lenient_registry(dirs)


def lenient_registry(dirs: list[Path] | None) -> RegistrySummary:
    """The model registry as checks and fits read it; a bad --registry folder ends the run, entries with
    problems are left out with a warning, since access checks (and GPU fits of Hub models) do not depend
    on them."""
    require_folders(dirs)
    from hubgate.registry.summary import load_summary

    registry = load_summary([*(dirs or ())])
    if registry.problems:
        sys.stderr.write(
            f"hubgate: warning: the registry has {len(registry.problems)} problem(s), first: "
            f"{registry.problems[0]}; those entries are left out (`hubgate registry validate` lists all)\n"
        )
    return registry


def gpu_catalog(dirs: list[Path] | None) -> Catalog:
    """The GPU catalogue (bundled + HUBGATE_REGISTRY + --registry folders' gpus/); problems are listed
    on stderr and end the run, since a GPU figure taken on trust would give a wrong fit."""
    from hubgate.fit.catalog import CatalogError, load_catalog

    require_folders(dirs)
    try:
        catalog = load_catalog(dirs or ())
    except CatalogError as exc:
        _fail_listing(
            exc.problems, "the GPU catalogue", "fix those gpus/ files, or leave their --registry folder out"
        )
    for line in catalog.overrides:
        sys.stderr.write(f"note: {line}\n")
    return catalog


def dtype_option(dtype: str | None) -> str | None:
    """--dtype normalised (fp16 -> float16, ...); an unknown precision ends the run with one line."""
    if dtype is None:
        return None
    from hubgate.fit.estimate import UnknownDtypeError, normalise_dtype

    try:
        return normalise_dtype(dtype)
    except UnknownDtypeError as exc:
        fail_usage(f"--dtype: {exc}", hint=exc.hint or None)


def gpus_option(names: list[str] | tuple[str, ...], catalog: Catalog) -> list[GpuSpec]:
    """--gpu names resolved in `catalog`; an unknown one ends the run with one line and a did-you-mean."""
    from hubgate.fit import gpu_specs
    from hubgate.fit.catalog import UnknownGpuError

    try:
        return gpu_specs(names, catalog)
    except UnknownGpuError as exc:
        fail_usage(f"--gpu: {exc}")


def fit_request(
    gpus: list[str] | None, dtype: str | None, context: int | None, dirs: list[Path] | None
) -> FitRequest | None:
    """`check`'s --gpu, --dtype and --context checked before any request, in the catalogue `fit` uses
    (with the --registry folders' GPUs): unknown names end the run with one line."""
    if not gpus:
        if dtype is not None or context is not None:
            fail_usage("--dtype and --context go with --gpu (the GPU fit they shape)")
        return None
    from hubgate.check.extras import FitRequest

    specs = gpus_option(gpus, gpu_catalog(dirs))
    return FitRequest(gpus=tuple(specs), dtype=dtype_option(dtype), context=context)


def _fail_listing(problems: Sequence[object], what: str, hint: str) -> NoReturn:
    """Every problem on stderr, one line each, then the one-line error that ends the run (exit 2)."""
    for problem in problems:
        sys.stderr.write(f"{problem}\n")
    fail_usage(f"{what} has {len(problems)} problem(s) (listed above)", hint=hint)

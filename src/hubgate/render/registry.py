"""`hubgate registry` output: Rich tables for people, JSON-ready data for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hubgate.registry.index import Registry
from hubgate.registry.queries import suggest
from hubgate.registry.schema import ModelEntry
from hubgate.registry.verify import Drift, Selection, counts
from hubgate.render.layout import IdTable, KeyValues
from hubgate.units import human_count


def dump(entry: ModelEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude_none=True)


def export_text(data: dict[str, Any], fmt: str) -> str:
    """`registry export`: the whole registry as JSON or YAML."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def _gated_text(entry: ModelEntry) -> str:
    if entry.gated is None:
        return "?"
    return "no" if entry.gated is False else str(entry.gated)


def models_table(entries: Sequence[ModelEntry], title: str | None = None) -> IdTable:
    table = IdTable(
        "model",
        "type",
        "params",
        "context",
        "licence",
        "gated",
        "access",
        right=("params", "context"),
        title=title,
    )
    for entry in entries:
        params = human_count(entry.specs.parameters) if entry.specs.parameters else ""
        if entry.specs.active_parameters:
            params += f" ({human_count(entry.specs.active_parameters)} active)"
        table.add_row(
            entry.model_id,
            entry.type.value,
            params,
            f"{entry.specs.context_window:,}" if entry.specs.context_window else "",
            (entry.license.id or entry.license.name or "") if entry.license else "",
            _gated_text(entry),
            entry.access_method.value,
        )
    return table


def entry_table(entry: ModelEntry, source: Path | None) -> KeyValues:
    """Every field of one entry, one row each (nested fields dotted), with the source of each fact."""
    data = dump(entry)
    sources = data.pop("sources", {})
    table = KeyValues()

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                add(f"{prefix}.{key}" if prefix else key, inner)
        elif isinstance(value, list):
            if value:
                table.add_row(prefix, ", ".join(str(item) for item in value))
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if prefix in ("specs.parameters", "specs.active_parameters") and isinstance(value, int):
                text = f"{value:,} ({human_count(value)})"
            table.add_row(prefix, text)

    add("", data)
    for key, text in sources.items():
        table.add_row(f"source of {key}", text)
    if source is not None:
        table.add_row("file", str(source))
    return table


def not_found(model: str, registry: Registry) -> str:
    """Why `show` found nothing, with what was probably meant."""
    meant = registry.misspelling_of(model)
    if meant:
        return f"hubgate: {model!r} is not a Hub id (a known misspelling); the model meant is {meant}\n"
    hints = suggest(model, registry)
    hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
    return f"hubgate: {model!r} is not in the registry{hint}\n"


def validate_summary(registry: Registry, folder: Path | None = None) -> str:
    """The last line of `registry validate`: with a folder of the user's, what that folder holds (the
    bundled entries it is merged over are not the user's to count)."""
    state = f"{len(registry.problems)} problem(s)" if registry.problems else "ok"
    if folder is None:
        return f"{state}: {len(registry.models)} models valid in {len(registry.layers)} folder(s)\n"
    root = folder.resolve()
    own = sum(1 for path in registry.files.values() if path.resolve().is_relative_to(root))
    return f"{state}: {own} model(s) valid in {folder}\n"


def validate_json(registry: Registry) -> dict[str, Any]:
    return {
        "ok": not registry.problems,
        "models": len(registry.models),
        "folders": [str(layer) for layer in registry.layers],
        "overrides": [
            {"model_id": o.model_id, "replaced": str(o.replaced), "by": str(o.by)} for o in registry.overrides
        ],
        "problems": [
            {"file": p.file, "line": p.line, "field": p.field, "message": p.message}
            for p in registry.problems
        ],
    }


def findings_table(findings: Sequence[Drift]) -> IdTable:
    table = IdTable("model", "field", "kind", "registry", "hub", "detail")
    for f in findings:
        table.add_row(
            f.model_id,
            f.field,
            f.kind.value,
            "" if f.registry is None else str(f.registry),
            "" if f.hub is None else str(f.hub),
            f.message,
        )
    return table


def verify_json(
    findings: Sequence[Drift], chosen: Selection, *, endpoint: str, requests: dict[str, int]
) -> dict[str, Any]:
    return {
        "endpoint": endpoint,
        "verified": len(chosen.entries),
        "skipped": [{"model_id": m, "reason": "API model: not a Hub repo"} for m in chosen.skipped],
        "counts": counts(findings),
        "findings": [f.to_dict() for f in findings],
        "requests": requests,
    }


def verify_summary(findings: Sequence[Drift], chosen: Selection, *, endpoint: str) -> str:
    summary = ", ".join(f"{n} {kind}" for kind, n in counts(findings).items() if n) or "no drift"
    api = f"; {len(chosen.skipped)} API model(s) skipped" if chosen.skipped else ""
    return f"{len(chosen.entries)} model(s) verified against {endpoint}: {summary}{api}\n"

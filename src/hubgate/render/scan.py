"""`hubgate scan` without the Hub: the repos a codebase names, each with its places, as text or JSON."""

from __future__ import annotations

import json

from hubgate.inputs.scan.model import Place, ScanResult


def summary(result: ScanResult) -> str:
    places = result.places()
    models = sum(1 for kind, _ in places if kind == "model")
    uses = sum(len(p) for p in places.values())
    line = (
        f"{len(places)} repos ({models} models, {len(places) - models} datasets) "
        f"at {uses} places in {result.files} files"
    )
    loose = len(result.unpinned())
    if loose:
        line += f"; {loose} unpinned"
    if result.dynamic:
        line += f"; {len(result.dynamic)} dynamic values not checked"
    if result.skipped:
        line += f"; {len(result.skipped)} skipped"
    return line


def _pin(place: Place) -> str:
    if place.revision is not None:
        return f"  @{place.revision}"
    return f"  unpinned (no {place.pin_with})" if place.unpinned else ""


def render_table(result: ScanResult) -> str:
    lines: list[str] = []
    for (kind, repo_id), places in result.places().items():
        lines.append(f"{repo_id}" + (" (dataset)" if kind == "dataset" else ""))
        lines += [f"  {place}  {place.via}{_pin(place)}" for place in places]
    collections = result.collection_places()
    if collections:
        lines += ["", "collections: their repos are read from the Hub by `hubgate check --scan`"]
        for name, places in collections.items():
            lines.append(f"  collections/{name}")
            lines += [f"    {place}  {place.via}" for place in places]
    if result.dynamic:
        lines += ["", "dynamic: not checked"]
        lines += [
            f"  {d.place}  {d.place.via}: {d.expression}"
            for d in sorted(result.dynamic, key=lambda d: d.place)
        ]
    if result.skipped:
        lines += ["", "skipped: not scanned"]
        lines += [f"  {item}" for item in result.skipped]
    lines += ["", summary(result)]
    return "\n".join(lines) + "\n"


def render_json(result: ScanResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_scan(result: ScanResult, fmt: str) -> str:
    """The scan as `fmt`: table, json or cyclonedx (cyclonedx.MissingLibrary without its extra)."""
    if fmt == "json":
        return render_json(result)
    if fmt == "cyclonedx":
        from hubgate.render import cyclonedx

        return cyclonedx.render(cyclonedx.items_from_scan(result))
    return render_table(result)

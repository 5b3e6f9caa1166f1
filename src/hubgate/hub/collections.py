"""A collection's answer (`GET /api/collections/{namespace}/{slug-id}`) and gating-group evidence, reduced to
plain data. How the Hub shows that a collection is a gating group is not documented (docs/hub.md,
"Collections and gating groups"): the spellings below are the plausible ones; any other shape is no evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A collection holds a release (tens of repos); a bigger answer is cut here, and the cut is said.
MAX_COLLECTION_ITEMS = 1_000
CHECKED_TYPES = ("model", "dataset")
# Where a gating field may appear: in the collection's answer, or in a repo's metadata.
_GATING_KEYS = ("gatingGroup", "gating_group", "gating", "isGatingGroup", "gatingGroupCollection")
_SLUG_KEYS = ("slug", "collection", "collectionSlug", "id", "name")


@dataclass(frozen=True)
class CollectionFacts:
    """What a collection lists. `repos`: its models and datasets, (type, id), in its order; `skipped`: the
    other items (spaces, papers, ...), (type, id); `cut`: items left out past MAX_COLLECTION_ITEMS;
    `gating_group`: the collection's answer itself says it is a gating group."""

    slug: str
    title: str | None
    repos: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    cut: int = 0
    gating_group: bool = False


def collection_facts(name: str, body: Any) -> CollectionFacts | str:
    """The facts, or why the answer is not a collection's (one line)."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return "the Hub's answer is not a collection (no `items` list)"
    items = body["items"]
    repos: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for item in items[:MAX_COLLECTION_ITEMS]:
        if not isinstance(item, dict):
            continue
        kind, item_id = item.get("type") or item.get("item_type"), item.get("id") or item.get("item_id")
        if not isinstance(kind, str) or not isinstance(item_id, str) or not item_id:
            continue
        (repos if kind in CHECKED_TYPES else skipped).append((kind, item_id))
    title = body.get("title")
    return CollectionFacts(
        slug=str(body.get("slug") or name),
        title=title[:200] if isinstance(title, str) else None,
        repos=repos,
        skipped=skipped,
        cut=max(0, len(items) - MAX_COLLECTION_ITEMS),
        gating_group=any(_says_group(body.get(key)) for key in _GATING_KEYS),
    )


def _says_group(value: Any) -> bool:
    """`true`, or an object that does not say it is off; strings, numbers and lists prove nothing."""
    if value is True:
        return True
    if isinstance(value, dict) and value:
        return value.get("enabled", True) is not False and value.get("active", True) is not False
    return False


def gating_group_of(metadata: Any) -> str | None:
    """The gating-group collection (`namespace/slug-id`) a repo's metadata names, or None: a top-level
    gating field (a slug, or an object holding one) or such a field inside a `gated` object."""
    if not isinstance(metadata, dict):
        return None
    places = [metadata]
    if isinstance(metadata.get("gated"), dict):
        places.append(metadata["gated"])
    for place in places:
        for key in _GATING_KEYS:
            slug = _slug_in(place.get(key))
            if slug is not None:
                return slug
    return None


def _slug_in(value: Any) -> str | None:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        for key in _SLUG_KEYS:
            found = _slug_in(value.get(key)) if isinstance(value.get(key), str) else None
            if found is not None:
                return found
    return None


def _clean(value: str) -> str | None:
    """`ns/slug-id`, `collections/ns/slug-id` or a collection URL as `ns/slug-id`; anything else is None."""
    path = value.strip().split("://", 1)[-1]
    segments = [s for s in path.split("/") if s]
    if "collections" in segments:
        segments = segments[segments.index("collections") + 1 :]
    if len(segments) != 2 or any(
        len(s) > 200 or not s.replace("-", "").replace("_", "").replace(".", "").isalnum() for s in segments
    ):
        return None
    return "/".join(segments)

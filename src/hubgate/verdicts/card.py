"""What an ML-BOM says of a model beyond its access verdict, from the metadata the check already fetched
(no request of its own): the licence, the card's task, datasets and base models, the LFS hashes of the
weights (`blobs=true` answers only) and whether the Hub's scans are done. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubgate.hub.answers import RepoFacts
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.findings import license_of
from hubgate.verdicts.lineage import base_links


@dataclass(frozen=True, kw_only=True)
class CardFacts:
    """A model card's fields as the Hub gives them. `scans`: `clean`, `flagged`, `not scanned yet`, or
    `unknown` when the answer carried no scan status."""

    license: str | None = None  # the Hub's licence tag (apache-2.0, llama2, other, ...)
    license_name: str | None = None  # the name or link the card gives beside it
    task: str | None = None  # pipeline_tag
    library: str | None = None  # library_name
    datasets: tuple[str, ...] = ()
    bases: tuple[tuple[str, str], ...] = ()  # (base model id, relation) from the card's base_model
    hashes: tuple[tuple[str, str], ...] = ()  # (file, sha256) of the LFS files the answer listed
    files: tuple[str, ...] = ()
    scans: str = "unknown"


def card_facts(facts: RepoFacts) -> CardFacts:
    tag, detail = license_of(facts)
    card = facts.card_data
    status = facts.security
    if status is None:
        scans = "unknown"
    elif status.flagged:
        scans = "flagged"
    else:
        scans = "clean" if status.done else "not scanned yet"
    return CardFacts(
        license=_clean(tag),
        license_name=_clean(detail),
        task=_clean(facts.pipeline_tag or card.get("pipeline_tag")),
        library=_clean(facts.library_name or card.get("library_name")),
        datasets=tuple(dict.fromkeys(d for d in (_clean(x) for x in _names(card.get("datasets"))) if d)),
        bases=tuple((scrub(link.base_id), link.relation) for link in base_links(facts)),
        hashes=tuple(sorted((scrub(name), sha) for name, sha in facts.hashes.items())),
        files=tuple(scrub(name) for name in facts.siblings),
        scans=scans,
    )


def _names(raw: Any) -> list[Any]:
    return [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []


def _clean(value: Any) -> str | None:
    """A card string, token-scrubbed (the Hub serves what the uploader wrote); None when empty."""
    return scrub(value.strip()) if isinstance(value, str) and value.strip() else None

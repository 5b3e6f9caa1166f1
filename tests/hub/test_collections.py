"""A collection's answer and the gating-group evidence, read from the shapes the Hub may give (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from hubgate.hub.collections import MAX_COLLECTION_ITEMS, CollectionFacts, collection_facts, gating_group_of

NAME = "org/release-68aa00bb11cc22dd33ee44ff"


def items(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"type": kind, "id": item} for kind, item in pairs]


def test_models_and_datasets_are_kept_the_rest_noted() -> None:
    body = {
        "slug": NAME,
        "title": "Release",
        "items": [
            *items(("model", "org/a"), ("dataset", "org/d"), ("space", "org/s"), ("paper", "2508.1")),
            {"type": "model"},  # no id: not an item
            "junk",
            {"type": "collection", "id": "org/other-123"},
        ],
    }
    facts = collection_facts(NAME, body)
    assert isinstance(facts, CollectionFacts)
    assert facts.repos == [("model", "org/a"), ("dataset", "org/d")]
    assert facts.skipped == [("space", "org/s"), ("paper", "2508.1"), ("collection", "org/other-123")]
    assert (facts.title, facts.cut, facts.gating_group) == ("Release", 0, False)


@pytest.mark.parametrize("body", [None, [], {"items": None}, {"slug": NAME}, "<html>"])
def test_an_answer_without_items_is_not_a_collection(body: Any) -> None:
    assert isinstance(collection_facts(NAME, body), str)


def test_a_huge_collection_is_cut_and_the_cut_said() -> None:
    body = {"items": items(*(("model", f"org/m{i}") for i in range(MAX_COLLECTION_ITEMS + 5)))}
    facts = collection_facts(NAME, body)
    assert isinstance(facts, CollectionFacts)
    assert len(facts.repos) == MAX_COLLECTION_ITEMS and facts.cut == 5


@pytest.mark.parametrize(
    ("extra", "group"),
    [
        ({"gating": {"mode": "manual"}}, True),
        ({"gating": True}, True),
        ({"gatingGroup": True}, True),
        ({"gating_group": {"enabled": True}}, True),
        ({"isGatingGroup": True}, True),
        ({"gating": {"enabled": False}}, False),
        ({"gating": False}, False),
        ({"gating": "maybe"}, False),
        ({"gating": ["x"]}, False),
        ({"gating": {}}, False),
        ({"gated": True}, False),  # not a gating field: a repo's own gate says nothing of a group
        ({}, False),
    ],
)
def test_the_collection_answer_as_evidence(extra: dict[str, Any], group: bool) -> None:
    facts = collection_facts(NAME, {"items": [], **extra})
    assert isinstance(facts, CollectionFacts) and facts.gating_group is group


@pytest.mark.parametrize(
    ("metadata", "group"),
    [
        ({"gatingGroup": {"slug": NAME}}, NAME),
        ({"gatingGroup": NAME}, NAME),
        ({"gating_group": {"collection": f"collections/{NAME}"}}, NAME),
        (
            {
                "gatingGroup": {
                    "id": "68aa00bb11cc22dd33ee44ff",
                    "slug": f"https://huggingface.co/collections/{NAME}",
                }
            },
            NAME,
        ),
        ({"gated": {"mode": "manual", "gatingGroup": NAME}}, NAME),
        ({"gated": "manual"}, None),
        ({"gatingGroup": True}, None),  # no collection named
        ({"gatingGroup": {"id": "68aa00bb11cc22dd33ee44ff"}}, None),
        ({"gatingGroup": "a/b/c/d"}, None),
        ({"gatingGroup": "org/bad slug"}, None),
        ({"gatingGroup": "org/" + "x" * 300}, None),
        (None, None),
    ],
)
def test_repo_metadata_as_evidence(metadata: Any, group: str | None) -> None:
    assert gating_group_of(metadata) == group

"""Collections as input (issue 24): `collections/ns/slug-id` and collection URLs parse to one collection
reference; hostile entries are refused like other ids. Pure parsing, no I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubgate.inputs.refs import CollectionRef, InvalidRef, RepoRef, parse_collection
from hubgate.inputs.sources import Entry, entries_from_text, parse_entries

SLUG = "dinov3-68924841bd6b561778e31009"


@pytest.mark.parametrize(
    "text",
    [
        f"collections/facebook/{SLUG}",
        f"https://huggingface.co/collections/facebook/{SLUG}",
        f"https://hf.co/collections/facebook/{SLUG}",
        f"https://www.huggingface.co/collections/facebook/{SLUG}/",
        f"  https://huggingface.co/collections/facebook/{SLUG}?page=2  ",
        f"http://hub.internal:8080/collections/facebook/{SLUG}",
    ],
)
def test_collection_forms(text: str) -> None:
    [ref] = parse_entries([Entry(text, "list.txt:3")], endpoint="http://hub.internal:8080")
    assert isinstance(ref, CollectionRef)
    assert (ref.namespace, ref.slug, ref.name) == ("facebook", SLUG, f"facebook/{SLUG}")
    assert ref.origin == "list.txt:3" and ref.input == text


def test_another_hosts_collection_url_is_not_a_collection() -> None:
    """Only the Hub's own hosts (and HF_ENDPOINT's): a lookalike host is never asked."""
    [ref] = parse_entries([Entry(f"https://evil.example/collections/facebook/{SLUG}", None)])
    assert isinstance(ref, InvalidRef)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("collections/facebook", "collections/NAMESPACE/SLUG-ID"),
        (f"collections/facebook/{SLUG}/extra", "collections/NAMESPACE/SLUG-ID"),
        (f"collections/facebook/{SLUG}@main", "no revision"),
        ("collections/facebook/" + "a" * 201, "at most 200"),
        ("collections/face book/x", "not a collection name"),
        ("collections/facebook/a\x1b[2Jb", "not a collection name"),
        ("collections/facebook/..%2f..%2fapi", "not a collection name"),
        ("collections/-bad/slug", "not a collection name"),
    ],
)
def test_bad_collection_entries_say_why(text: str, reason: str) -> None:
    [ref] = parse_entries([Entry(text, None)])
    assert isinstance(ref, InvalidRef), ref
    assert reason in ref.reason


def test_a_token_shaped_slug_is_refused_without_being_echoed() -> None:
    token = "hf_" + "Q" * 34
    for text in (f"collections/facebook/{token}", f"https://huggingface.co/collections/{token}/x"):
        [ref] = parse_entries([Entry(text, None)])
        assert isinstance(ref, InvalidRef)
        assert token not in ref.input and "access token" in ref.reason
        assert parse_collection(text) is None


def test_duplicates_are_kept_once_and_revision_carries() -> None:
    refs = parse_entries(
        [
            Entry(f"collections/facebook/{SLUG}", None),
            Entry(f"https://huggingface.co/collections/facebook/{SLUG}", None),
            Entry("gpt2", None),
        ],
        revision="main",
    )
    assert [type(r) for r in refs] == [CollectionRef, RepoRef]
    assert isinstance(refs[0], CollectionRef) and refs[0].revision == "main"


def test_a_config_names_a_collection() -> None:
    """models_config.yaml-style files: a `name:` field may hold a collection."""
    text = f"models:\n  - name: collections/facebook/{SLUG}\n  - name: gpt2\n"
    refs = parse_entries(entries_from_text("models_config.yaml", text))
    assert isinstance(refs[0], CollectionRef) and refs[0].origin == "models_config.yaml:2"
    assert isinstance(refs[1], RepoRef)


def test_the_scan_finds_collections_in_configs(tmp_path: Path) -> None:
    """A config naming a collection (its URL or short form) is a collection to expand, never the model
    `collections/facebook` the URL's first two segments would make."""
    from hubgate.inputs.scan import scan_paths

    (tmp_path / "models_config.yaml").write_text(
        f"models:\n  - name: collections/facebook/{SLUG}\n  - name: openai-community/gpt2\n"
    )
    (tmp_path / "train.json").write_text(
        f'{{"model_name_or_path": "https://huggingface.co/collections/facebook/{SLUG}"}}\n'
    )
    result = scan_paths([str(tmp_path)], None, None)
    assert [key for key in result.places()] == [("model", "openai-community/gpt2")]
    places = result.collection_places()
    assert list(places) == [f"facebook/{SLUG}"] and len(places[f"facebook/{SLUG}"]) == 2
    [ref] = result.collection_refs()
    assert ref.name == f"facebook/{SLUG}" and ref.origin is not None
    assert result.to_json()["collections"][0]["collection"] == f"facebook/{SLUG}"

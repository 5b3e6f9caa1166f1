"""Input parsing: accepted forms, invalid entries with their origin, files, duplicates. No I/O beyond tmp files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubgate.inputs.refs import InvalidRef, RepoRef, parse_ref
from hubgate.inputs.sources import Entry, InputError, entries_from_text, parse_entries, read_entries


@pytest.mark.parametrize(
    ("text", "repo_type", "repo_id"),
    [
        ("meta-llama/Llama-2-7b-hf", "model", "meta-llama/Llama-2-7b-hf"),
        ("gpt2", "model", "gpt2"),
        ("  gpt2  ", "model", "gpt2"),
        ("https://huggingface.co/meta-llama/Llama-2-7b-hf", "model", "meta-llama/Llama-2-7b-hf"),
        ("https://huggingface.co/meta-llama/Llama-2-7b-hf/tree/main", "model", "meta-llama/Llama-2-7b-hf"),
        ("https://huggingface.co/org/name/blob/main/config.json", "model", "org/name"),
        ("https://huggingface.co/org/name/resolve/main/model.safetensors", "model", "org/name"),
        ("https://hf.co/org/name", "model", "org/name"),
        ("https://huggingface.co/gpt2", "model", "gpt2"),
        ("https://huggingface.co/gpt2/tree/main", "model", "gpt2"),
        ("hf://org/name", "model", "org/name"),
        ("hf://datasets/org/name", "dataset", "org/name"),
        ("hf://org/name@v1.0", "model", "org/name"),
        ("datasets/org/name", "dataset", "org/name"),
        ("https://huggingface.co/datasets/org/name", "dataset", "org/name"),
        ("https://huggingface.co/datasets/org/name/blob/main/train.csv", "dataset", "org/name"),
    ],
)
def test_accepted_forms(text: str, repo_type: str, repo_id: str) -> None:
    ref = parse_ref(text)
    assert isinstance(ref, RepoRef)
    assert (ref.repo_type, ref.repo_id, ref.input) == (repo_type, repo_id, text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not an id", "no spaces"),
        ("a/b/c", "namespace/repo_name"),
        ("org--x/name", "--"),
        ("https://example.com/org/name", "Unrecognized host"),
        ("https://huggingface.co/spaces/org/app", "space repos are not checked"),
        ("spaces/org/app", "space repos are not checked"),
        ("https://huggingface.co/org/name/discussions/3", "discussions"),
    ],
)
def test_invalid_entries_say_why(text: str, reason: str) -> None:
    ref = parse_ref(text, origin="list.txt:4")
    assert isinstance(ref, InvalidRef)
    assert reason in ref.reason and ref.origin == "list.txt:4"


def test_default_type_applies_to_bare_ids_only() -> None:
    assert parse_ref("org/x", default_type="dataset") == RepoRef("org/x", "dataset", "org/x")
    assert parse_ref("hf://org/x", default_type="dataset") == RepoRef("hf://org/x", "model", "org/x")


def test_custom_endpoint_urls_are_accepted() -> None:
    ref = parse_ref("http://127.0.0.1:9999/org/name", endpoint="http://127.0.0.1:9999")
    assert isinstance(ref, RepoRef) and ref.repo_id == "org/name"


def test_text_files_comments_crlf_bom() -> None:
    text = "\ufeff# header\r\n\r\n  org/a  # trailing\r\norg/b#not-a-comment\r\nhttps://huggingface.co/org/c#readme\r\n"
    entries = list(entries_from_text("list.txt", text))
    assert entries == [
        Entry("org/a", "list.txt:3"),
        Entry("org/b#not-a-comment", "list.txt:4"),
        Entry("https://huggingface.co/org/c#readme", "list.txt:5"),
    ]


def test_yaml_config_groups_with_name_fields() -> None:
    text = 'stock:\n  mistral_7b:\n    name: "mistralai/Mistral-7B-Instruct-v0.1"\n    parameters: "7B"\nfinance:\n  fingpt:\n    name: FinGPT/fingpt-mt_llama2-7b_lora\n'
    entries = list(entries_from_text("models_config.yaml", text))
    assert entries == [
        Entry("mistralai/Mistral-7B-Instruct-v0.1", "models_config.yaml:3"),
        Entry("FinGPT/fingpt-mt_llama2-7b_lora", "models_config.yaml:7"),
    ]


def test_yaml_without_names_and_broken_yaml_are_input_errors() -> None:
    with pytest.raises(InputError, match="without any `name:`"):
        list(entries_from_text("c.yaml", "a:\n  b: 1\n"))
    with pytest.raises(InputError, match=r"c.yaml:3: not valid YAML"):
        list(entries_from_text("c.yaml", "a:\n  - b: [\n"))


def test_duplicates_checked_once_in_input_order() -> None:
    entries = [
        Entry(t, None)
        for t in ("org/a", "gpt2", "https://huggingface.co/org/a", "org/b", "gpt2", "datasets/org/a")
    ]
    refs = parse_entries(entries)
    assert [(r.repo_type, r.repo_id) for r in refs if isinstance(r, RepoRef)] == [
        ("model", "org/a"),
        ("model", "gpt2"),
        ("model", "org/b"),
        ("dataset", "org/a"),
    ]


def test_aliases_resolve_before_legacy_ids() -> None:
    refs = parse_entries(
        [Entry("mistral_7b", None)], aliases={"mistral_7b": "mistralai/Mistral-7B-Instruct-v0.1"}
    )
    assert refs == [RepoRef("mistral_7b", "model", "mistralai/Mistral-7B-Instruct-v0.1")]


def test_read_entries_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"no \./models_to_check\.txt here"):
        read_entries([], [])
    (tmp_path / "bin.txt").write_bytes(b"org/a\n\xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        read_entries([], ["bin.txt"])
    with pytest.raises(InputError, match="is a directory"):
        read_entries([], [str(tmp_path)])
    with pytest.raises(InputError, match="only once"):
        read_entries([], ["-", "-"])
    (tmp_path / "models_to_check.txt").write_text("org/a\n")
    assert read_entries([], []) == [Entry("org/a", "models_to_check.txt:1")]
    assert read_entries(["org/z"], []) == [Entry("org/z", None)]  # ids given: the default list is not read


def test_a_list_file_given_as_an_id_points_at_f(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hubgate check models.txt` used to ask the Hub for a repo called models.txt."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.txt").write_text("gpt2\n")
    with pytest.raises(
        InputError, match=r"models\.txt is a file here, not a repo id: .* pass -f models\.txt"
    ):
        read_entries(["gpt2", "models.txt"], [])
    # Without such a file the same text is an id like any other (the Hub decides).
    assert [e.text for e in read_entries(["other.txt"], [])] == ["other.txt"]

"""What the scan records about revisions: the revision a place pins, and the places whose loader takes a
revision and is given none (`unpinned`), in Python, notebooks, shell lines and configs."""

from __future__ import annotations

import json

from hubgate.inputs.scan import scan_file


def _pins(text: str, kind: str, name: str = "f") -> dict[tuple[str, int], tuple[str | None, str]]:
    found, _, problems = scan_file(text, name, kind)
    assert not problems
    return {(f.repo_id, f.place.line): (f.place.revision, f.place.pin_with) for f in found}


def test_python_calls_pinned_unpinned_and_unknown() -> None:
    code = "\n".join(
        [
            'AutoModel.from_pretrained("a/one")',
            'AutoModel.from_pretrained("a/two", revision="v1.0")',
            'AutoModel.from_pretrained("a/three", revision=REV)',  # pinned, to a value not known
            'AutoModel.from_pretrained("a/four", **kwargs)',  # kwargs may carry it
            'AutoModel.from_pretrained("a/five", revision=None)',  # the default branch
            'load_dataset("d/one")',
            'hf_hub_download("a/six", "config.json")',
            'model_info("a/seven")',  # asks about the repo, downloads nothing
            'LLM(model="a/eight", tokenizer="a/nine", revision="abc1234")',
            'pipeline("text-generation", model="a/ten")',
            'AutoModel.from_pretrained("a/eleven", revision="hf_' + "x" * 34 + '")',  # a token: never kept
        ]
    )
    assert _pins(code, "python") == {
        ("a/one", 1): (None, "revision"),
        ("a/two", 2): ("v1.0", ""),
        ("a/three", 3): (None, ""),
        ("a/four", 4): (None, ""),
        ("a/five", 5): (None, "revision"),
        ("d/one", 6): (None, "revision"),
        ("a/six", 7): (None, "revision"),
        ("a/seven", 8): (None, ""),
        ("a/eight", 9): ("abc1234", ""),
        ("a/nine", 9): (None, "tokenizer_revision"),
        ("a/ten", 10): (None, "revision"),
        ("a/eleven", 11): (None, ""),
    }


def test_shell_download_flags() -> None:
    script = "\n".join(
        [
            "hf download a/one --local-dir out",
            "huggingface-cli download a/two --revision v2",
            "hf download a/three --revision=$REV",
            "hf download d/four --repo-type dataset --revision=main",
            "git clone https://huggingface.co/a/five",  # no revision to give: not reported
        ]
    )
    assert _pins(script, "shell") == {
        ("a/one", 1): (None, "--revision"),
        ("a/two", 2): ("v2", ""),
        ("a/three", 3): (None, ""),
        ("d/four", 4): ("main", ""),
        ("a/five", 5): (None, ""),
    }


def test_configs_pin_only_where_the_loader_takes_a_revision() -> None:
    yaml_text = "model_name_or_path: a/one  # base\nmodel_revision: v1\ndataset_name: d/two\n"
    assert _pins(yaml_text, "yaml") == {("a/one", 1): ("v1", ""), ("d/two", 3): (None, "")}
    loose = "run:\n  model_name_or_path: a/three\n  tokenizer_name: a/four\n"
    assert _pins(loose, "yaml") == {
        ("a/three", 2): (None, "model_revision"),
        ("a/four", 3): (None, ""),
    }
    data = json.dumps(
        {"model_name_or_path": "a/five", "nested": {"model_name_or_path": "a/six", "model_revision": "v6"}}
    )
    assert _pins(data, "json") == {("a/five", 1): (None, "model_revision"), ("a/six", 1): ("v6", "")}
    assert _pins('model_name_or_path = "a/seven"\n', "toml") == {("a/seven", 1): (None, "")}


def test_notebook_cells_and_shell_lines() -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "from_pretrained('not/code')"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "!hf download a/one\nm = AutoModel.from_pretrained('a/two', revision='v2')\n"},
    ]  # fmt: skip
    notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    found, _, _ = scan_file(notebook, "n.ipynb", "notebook")
    assert {(f.repo_id, f.place.cell, f.place.line, f.place.revision, f.place.pin_with) for f in found} == {
        ("a/one", 2, 1, None, "--revision"),
        ("a/two", 2, 2, "v2", ""),
    }


def test_refs_carry_each_pinned_revision() -> None:
    from hubgate.inputs.scan.model import ScanResult

    code = 'f = AutoModel.from_pretrained("a/one")\ng = AutoModel.from_pretrained("a/one", revision="v1")\n'
    found, _, _ = scan_file(code, "x.py", "python")
    result = ScanResult(found=found)
    assert [(r.repo_id, r.revision, r.input) for r in result.refs()] == [
        ("a/one", None, "a/one"),
        ("a/one", "v1", "a/one@v1"),
    ]
    assert [(r.repo_id, r.revision) for r in result.refs(revisions=False)] == [("a/one", None)]
    assert [p.line for p in result.keyed_places()[("model", "a/one@v1")]] == [2]
    assert [p.line for p in result.places()[("model", "a/one")]] == [1, 2]
    assert [f.place.line for f in result.unpinned()] == [1]

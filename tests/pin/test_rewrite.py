"""The rewriter alone: each kind of place pinned exactly, everything else kept byte for byte, and what
it cannot pin exactly left as it is with the reason."""

from __future__ import annotations

import ast

from hubgate.inputs.scan import scan_file
from hubgate.pin.rewrite import Edit, rewrite

SHA = "a" * 40


def _pin(text: str, kind: str) -> tuple[str, list[str]]:
    found, _, _ = scan_file(text, "f", kind)
    edits = [Edit(f.place, f.repo_id, SHA) for f in found if f.place.unpinned]
    done = rewrite(text, kind, edits)
    return done.text, [reason for _, reason in done.refused]


def test_python_layouts() -> None:
    source = (
        "# top comment\n"
        "a = AutoModel.from_pretrained( 'x/one' )  # spaced\n"
        "b = AutoModel.from_pretrained('x/two',)\n"
        "c = AutoModel.from_pretrained(\n"
        "    'x/three'\n"
        ")\n"
        "d = AutoModel.from_pretrained(\n"
        "    'x/four',\n"
        "    # a comment line between arguments\n"
        "    trust_remote_code=False,  # why\n"
        ")\n"
        "e = AutoModel.from_pretrained('x/five', revision=None)\n"
        "f = f'é{AutoModel.from_pretrained(\"x/six\")}'\n"
    )
    text, refused = _pin(source, "python")
    assert not refused
    ast.parse(text)
    assert text == (
        "# top comment\n"
        f"a = AutoModel.from_pretrained( 'x/one', revision=\"{SHA}\" )  # spaced\n"
        f"b = AutoModel.from_pretrained('x/two', revision=\"{SHA}\",)\n"
        "c = AutoModel.from_pretrained(\n"
        f"    'x/three', revision=\"{SHA}\"\n"
        ")\n"
        "d = AutoModel.from_pretrained(\n"
        "    'x/four',\n"
        "    # a comment line between arguments\n"
        "    trust_remote_code=False,  # why\n"
        f'    revision="{SHA}",\n'
        ")\n"
        f"e = AutoModel.from_pretrained('x/five', revision=\"{SHA}\")\n"
        f'f = f\'é{{AutoModel.from_pretrained("x/six", revision="{SHA}")}}\'\n'
    )


def test_crlf_and_non_ascii_columns_are_kept() -> None:
    source = 'x = "é"; m = AutoModel.from_pretrained("x/one")\r\nprint(m)\r\n'
    text, refused = _pin(source, "python")
    assert not refused
    assert text == f'x = "é"; m = AutoModel.from_pretrained("x/one", revision="{SHA}")\r\nprint(m)\r\n'


def test_shell_quotes_and_operators() -> None:
    source = "hf download 'x/one'&& echo ok\nhuggingface-cli download x/two;ls\n"
    text, refused = _pin(source, "shell")
    assert not refused
    assert (
        text
        == f"hf download 'x/one' --revision {SHA}&& echo ok\nhuggingface-cli download x/two --revision {SHA};ls\n"
    )


def test_yaml_in_a_list_and_flow_style() -> None:
    source = "runs:\n  - model_name_or_path: x/one  # base\n    lr: 1\nflow: {model_name_or_path: x/two}\n"
    text, refused = _pin(source, "yaml")
    assert text == (
        "runs:\n  - model_name_or_path: x/one  # base\n"
        f"    model_revision: {SHA}\n    lr: 1\nflow: {{model_name_or_path: x/two}}\n"
    )
    assert refused == ["not a block-style key: add model_revision by hand"]


def test_a_call_with_two_commits_for_one_keyword_is_left() -> None:
    source = 'pipeline("t", model="x/one", tokenizer="x/two")\n'
    found, _, _ = scan_file(source, "f", "python")
    edits = [Edit(f.place, f.repo_id, f.repo_id[-1] * 40) for f in found]
    done = rewrite(source, "python", edits)
    assert done.text == source
    assert {reason for _, reason in done.refused} == {"revision= would need two commits in one call"}

"""The answers a user gives for gate forms: a YAML or TOML file (`--answers`), then `--field` pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubgate.inputs.bounded import MAX_CONFIG_BYTES, decode_text, load_toml, load_yaml, read_capped


class AnswersError(ValueError):
    """Answers that are not a mapping of field name to value, or a --field without `=`."""


def read_answers(path: Path | None, pairs: list[str]) -> dict[str, Any]:
    """Field answers from a YAML or TOML file (a mapping of field name to value), then --field pairs,
    which win. A file that cannot be read within its bounds raises `UnreadableFile`."""
    answers: dict[str, Any] = {}
    if path is not None:
        name = str(path)
        raw = read_capped(path, MAX_CONFIG_BYTES, what="answers file")
        data: Any = (
            load_toml(raw, name)
            if path.suffix.lower() == ".toml"
            else load_yaml(decode_text(raw, name, what="answers file"), name)
        )
        if not isinstance(data, dict):
            raise AnswersError(f"--answers {path}: expected a mapping of field name to value")
        answers.update({str(k): v for k, v in data.items()})
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise AnswersError(f"--field {pair!r}: use --field 'Name=value'")
        answers[name.strip()] = value
    return answers

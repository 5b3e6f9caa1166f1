"""The words a user types to hubgate (policy keys, --fail-on words, option values): one spelling per
word, the ecosystem's (`license`, as pyproject, SPDX and the Hub's cards write it), the other accepted
as an alias; and a "did you mean" for a word hubgate does not know. Pure."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, get_args

if TYPE_CHECKING:
    from pydantic import BaseModel

# The other spelling of a word or a word part (`allowed-licences`, `allowed_licences`); read on input
# only: output always says `license`.
_OTHER_SPELLING = re.compile(r"(?<![a-z])licence(s?)(?![a-z])", re.IGNORECASE)


def canonical(word: str) -> str:
    """`word` with the British spelling of a machine word replaced (`allowed-licences` ->
    `allowed-licenses`, `licence` -> `license`); any other word unchanged."""
    return _OTHER_SPELLING.sub(r"license\1", word)


def close_match(word: str, known: Iterable[str]) -> str | None:
    """The known word `word` was most likely meant to be (`licnese` -> `license`), or None when nothing
    is close."""
    lowered = {choice.lower(): choice for choice in known}
    found = difflib.get_close_matches(canonical(word.strip().lower()), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`did you mean 'x'?` for an unknown `word`; empty when nothing is close."""
    match = close_match(word, known)
    return f"did you mean {match!r}?" if match else ""


class UnknownWord(ValueError):
    """A word that is none of `choices` (an option's value, a filter); `hint` is the did-you-mean, empty
    when nothing is close."""

    def __init__(self, message: str, word: str, choices: Iterable[str]) -> None:
        super().__init__(message)
        self.word = word
        self.choices = tuple(choices)

    @property
    def hint(self) -> str:
        return did_you_mean(self.word, self.choices)


def unknown_field(model: type[BaseModel], loc: Sequence[str | int], schema: str) -> str:
    """The problem text for a key `model` does not have at `loc` (a pydantic `extra_forbidden` error):
    `not a field of the <schema>; did you mean 'x'?`, the fields looked up in the nested model the key
    sits in (a key inside `specs:` is compared with the fields of specs)."""
    fields = _fields_at(model, loc[:-1])
    hint = did_you_mean(str(loc[-1]), fields) if loc and fields else ""
    return f"not a field of the {schema}" + (f"; {hint}" if hint else " (a typo?)")


def _fields_at(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in path:
        if current is None:
            return []
        if isinstance(part, int):  # an item of a list of models: the same model
            continue
        fields = {field.alias or name: field for name, field in current.model_fields.items()}
        found = fields.get(part) or current.model_fields.get(part)
        current = _model_in(found.annotation) if found is not None else None
    return [field.alias or name for name, field in current.model_fields.items()] if current else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (`Specs | None`, `list[Source]`), if any."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_in(arg)) is not None:
            return found
    return None

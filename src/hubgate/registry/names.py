"""The names that lead to a registry entry: its id, legacy ids and aliases (any case, as a Hub URL too), and
the misspellings documents wrote, which point to the model meant without being one of its names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic, Protocol, TypeVar


class Named(Protocol):
    """An entry with names: the schema's ModelEntry and the summary's EntrySummary both are."""

    @property
    def model_id(self) -> str: ...

    @property
    def misspellings(self) -> Sequence[str]: ...

    def names(self) -> list[str]: ...


EntryT = TypeVar("EntryT", bound=Named)


class NameIndex:
    """Lower-cased names -> model_id. The first entry to claim a name keeps it; a misspelling that is also
    a real name is left out (the loader reports both as problems)."""

    def __init__(self, entries: Iterable[tuple[str, Sequence[str], Sequence[str]]]) -> None:
        """`entries`: (model_id, its names, its recorded misspellings), in the registry's order."""
        rows = list(entries)
        self._names: dict[str, str] = {}
        for model_id, names, _ in rows:
            for name in names:
                self._names.setdefault(name.lower(), model_id)
        self._misspellings: dict[str, str] = {}
        self._misspelled_as: dict[str, str] = {}
        for model_id, _, misspellings in rows:
            for wrong in misspellings:
                self._misspelled_as[wrong] = model_id
                if wrong.lower() not in self._names:
                    self._misspellings.setdefault(wrong.lower(), model_id)

    def resolve(self, name: str) -> str | None:
        """The model_id that an id, legacy id or alias names (case-insensitively), else None."""
        return self._names.get(normalise(name).lower())

    def misspelling_of(self, name: str) -> str | None:
        """The real model_id a recorded misspelling stands for, else None."""
        return self._misspellings.get(normalise(name).lower())

    def misspellings_map(self) -> dict[str, str]:
        """Every recorded misspelling, as written, -> the model_id that was meant."""
        return dict(self._misspelled_as)


class NamedEntries(Generic[EntryT]):
    """Entries by model_id, looked up by any of their names: what the validated Registry and its summary
    share. A subclass is a dataclass holding `models`; its generated __init__ indexes them here."""

    models: dict[str, EntryT]

    def __post_init__(self) -> None:
        self._index = NameIndex(
            (mid, entry.names(), entry.misspellings) for mid, entry in self.models.items()
        )

    def resolve(self, name: str) -> str | None:
        """The model_id that an id, legacy id or alias names (case-insensitively), else None."""
        return self._index.resolve(name)

    def get(self, name: str) -> EntryT | None:
        model_id = self.resolve(name)
        return self.models[model_id] if model_id else None

    def misspelling_of(self, name: str) -> str | None:
        """The real model_id a recorded misspelling stands for, else None."""
        return self._index.misspelling_of(name)

    def __len__(self) -> int:
        return len(self.models)


def normalise(name: str) -> str:
    """A name without the Hub's URL around it (https://huggingface.co/org/name/ -> org/name)."""
    name = name.strip()
    for prefix in ("https://huggingface.co/", "http://huggingface.co/", "hf://"):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    return name.strip("/")

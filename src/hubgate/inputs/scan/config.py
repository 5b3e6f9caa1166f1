"""YAML, JSON and TOML configs: the keys users write for models and datasets, where the value has the
shape of a Hub id (`org/name`); `name:` entries in the models_config.yaml shape; `HF_MODEL`-style
environment keys (CI `env:` blocks). Also `models_to_check.txt` lists."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any

from hubgate.inputs.bounded import UnreadableFile, compose_yaml_all, load_json, load_toml
from hubgate.inputs.refs import CollectionRef, RepoType, parse_collection
from hubgate.inputs.scan.ids import hub_id, hub_url, revision_name
from hubgate.inputs.scan.model import IGNORE_MARK, Dynamic, Found, Place
from hubgate.inputs.scan.shell import var_kind

MODEL_KEYS = frozenset(
    {"model_name_or_path", "model", "model_id", "model_name", "base_model", "tokenizer_name",
     "tokenizer_name_or_path", "pretrained_model_name_or_path", "base_model_name_or_path"}
)  # fmt: skip
DATASET_KEYS = frozenset({"dataset_name", "dataset_id", "dataset"})
TRIGGERS = (*MODEL_KEYS, *DATASET_KEYS, "name", "MODEL", "DATASET")
# The keys whose loader takes a revision from a sibling key: transformers' example scripts and TRL's
# `ModelConfig` read `model_name_or_path` with `model_revision` beside it. Other keys have no loader we
# know to take one, so they are never reported unpinned.
PIN_KEYS = {"model_name_or_path": "model_revision"}


def _pin(key: str, siblings: dict[str, Any]) -> tuple[str | None, str]:
    """(the revision a sibling key pins, the key that would pin it when none is given)."""
    pin_key = PIN_KEYS.get(key)
    if pin_key is None:
        return None, ""
    if pin_key not in siblings:
        return None, pin_key
    value = siblings[pin_key]
    if value is None:
        return None, pin_key
    return (revision_name(value) if isinstance(value, str) else None), ""


def key_kind(key: str) -> RepoType | None:
    if key in MODEL_KEYS:
        return "model"
    if key in DATASET_KEYS:
        return "dataset"
    if key.isupper():
        return var_kind(key)
    return None


def _candidate(value: str, kind: RepoType, place: Place) -> Found | Dynamic | None:
    if "${" in value or value.startswith("$") or "{{" in value:
        return Dynamic(place, value)
    collection = parse_collection(value)
    if collection is not None:  # a collection's repos are read from the Hub by `check --scan`
        return Found(collection.name, "collection", place) if isinstance(collection, CollectionRef) else None
    url = hub_url(value)
    if url is not None:
        return Found(url[1], url[0], place)  # type: ignore[arg-type]
    repo = hub_id(value, legacy=False)
    return Found(repo, kind, place) if repo else None


def ignored_lines(text: str) -> frozenset[int]:
    """The 1-based lines holding `# hubgate: ignore`, found once: asking each value's line would read a
    one-line file of 60,000 values 60,000 times."""
    if IGNORE_MARK not in text:
        return frozenset()
    return frozenset(n for n, line in enumerate(text.splitlines(), start=1) if IGNORE_MARK in line)


def _add(
    item: Found | Dynamic | None, ignored: frozenset[int], found: list[Found], dynamic: list[Dynamic]
) -> None:
    if item is None or item.place.line in ignored:
        return
    (found if isinstance(item, Found) else dynamic).append(item)  # type: ignore[arg-type]


def scan_yaml(text: str, file: str) -> tuple[list[Found], list[Dynamic], str | None]:
    if not any(trigger in text for trigger in TRIGGERS):
        return [], [], None
    import yaml

    found: list[Found] = []
    dynamic: list[Dynamic] = []
    ignored = ignored_lines(text)
    try:
        # measured before the walk below expands anything: an alias bomb or absurd nesting raises
        documents = compose_yaml_all(text, file)
    except UnreadableFile as exc:
        return [], [], _syntax_problem(exc)
    for root in documents:
        for key, node, depth_path, mapping in _yaml_pairs(root, ()):
            kind = key_kind(key)
            if key == "name" and depth_path == ("map", "seq", "map"):
                kind = "model"  # models_config.yaml: groups of entries with `name: org/model`
            if kind is None:
                continue
            scalars = [node] if isinstance(node, yaml.ScalarNode) else []
            if isinstance(node, yaml.SequenceNode):
                scalars = [n for n in node.value if isinstance(n, yaml.ScalarNode)]
            for scalar in scalars:
                if not isinstance(scalar.value, str) or scalar.tag != "tag:yaml.org,2002:str":
                    continue
                revision, pin_with = None, ""
                if isinstance(node, yaml.ScalarNode) and key in PIN_KEYS:
                    siblings = {
                        str(k.value): (v.value if v.tag == "tag:yaml.org,2002:str" else None)
                        for k, v in mapping.value
                        if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
                    }
                    revision, pin_with = _pin(key, siblings)
                place = Place(
                    file,
                    scalar.start_mark.line + 1,
                    scalar.start_mark.column + 1,
                    key,
                    revision=revision,
                    pin_with=pin_with,
                )
                _add(_candidate(scalar.value, kind, place), ignored, found, dynamic)
    return found, dynamic, None


def _yaml_pairs(node: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any, tuple[str, ...], Any]]:
    """(key, value node, the path of collection kinds to it, the mapping holding it)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        here = (*path, "map")
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield str(key.value), value, here, node
            yield from _yaml_pairs(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_pairs(item, (*path, "seq"))


def _data_pairs(data: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(key, string value, the table holding it) in document order; lists of strings under a key give
    one pair each (their table: none, as a list cannot take a sibling revision)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str):
                yield str(key), value, data
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                for item in value:
                    yield str(key), item, {}
            else:
                yield from _data_pairs(value)
    elif isinstance(data, list):
        for item in data:
            yield from _data_pairs(item)


_LITERAL = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'""")


class _Locator:
    """Where each (key, value) pair of a parsed JSON or TOML document is written: the first quoted
    `value` after the first `key` at or past the previous pair's value (else after the first `key`).
    One pass indexes every quoted string and every line start, one more per distinct key its places;
    each pair is then two bisections, so a 4 MiB file of 60,000 ids costs a linear pass, not the
    60,000 scans of the whole text a regular expression per pair would."""

    def __init__(self, text: str, separator: str) -> None:
        self.text = text
        self.separator = separator
        self.values: dict[str, list[int]] = {}  # raw string content -> offsets of its opening quote
        for match in _LITERAL.finditer(text):
            content = match.group(1) if match.group(1) is not None else match.group(2)
            self.values.setdefault(content, []).append(match.start())
        self.keys: dict[str, list[int]] = {}
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def _key_offsets(self, key: str) -> list[int]:
        if key not in self.keys:
            if self.separator == ":":
                pattern = re.compile(rf"\"{re.escape(key)}\"\s*:")
            else:
                pattern = re.compile(rf"(?:^|[\s{{,.\"']){re.escape(key)}[\"']?\s*=", re.MULTILINE)
            self.keys[key] = [match.end() for match in pattern.finditer(self.text)]
        return self.keys[key]

    def locate(self, key: str, value: str, cursor: int) -> int | None:
        values = self.values.get(value)
        keys = self._key_offsets(key)
        if not values or not keys:
            return None
        for index in (bisect_left(keys, cursor), 0):
            if index < len(keys):
                after = bisect_left(values, keys[index])
                if after < len(values):
                    return values[after]
        return None

    def line_column(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1


def _scan_data(
    data: Any, text: str, file: str, separator: str, *, pins: bool = False
) -> tuple[list[Found], list[Dynamic]]:
    found: list[Found] = []
    dynamic: list[Dynamic] = []
    ignored = ignored_lines(text)
    locator: _Locator | None = None
    cursor = 0
    for key, value, table in _data_pairs(data):
        kind = key_kind(key)
        if kind is None:
            continue
        locator = locator or _Locator(text, separator)
        offset = locator.locate(key, value, cursor)
        if offset is None:
            continue
        cursor = offset + 1
        line, column = locator.line_column(offset)
        revision, pin_with = _pin(key, table) if pins and table else (None, "")
        place = Place(file, line, column, key, revision=revision, pin_with=pin_with)
        _add(_candidate(value, kind, place), ignored, found, dynamic)
    return found, dynamic


def _syntax_problem(exc: UnreadableFile) -> str:
    """A syntax error is the file's problem line (as for Python); anything past the bounds (nesting,
    an alias bomb) is raised on, for the scan to list the file as skipped."""
    if not exc.problem.startswith("not valid"):
        raise exc
    return f"{exc.where}: {exc.problem}, skipped"


def scan_json(text: str, file: str) -> tuple[list[Found], list[Dynamic], str | None]:
    if not any(trigger in text for trigger in TRIGGERS):
        return [], [], None
    try:
        data = load_json(text, file)
    except UnreadableFile as exc:
        return [], [], _syntax_problem(exc)
    found, dynamic = _scan_data(data, text, file, ":", pins=True)
    return found, dynamic, None


def scan_toml(text: str, file: str) -> tuple[list[Found], list[Dynamic], str | None]:
    if not any(trigger in text for trigger in TRIGGERS):
        return [], [], None
    try:
        data = load_toml(text, file)
    except UnreadableFile as exc:
        return [], [], _syntax_problem(exc)
    found, dynamic = _scan_data(data, text, file, "=")
    return found, dynamic, None


def scan_list(text: str, file: str) -> list[Found]:
    """`models_to_check.txt`: one id per line, # comments; `datasets/org/name` and Hub URLs work."""
    found: list[Found] = []
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        content = re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
        entry = content.strip()
        if not entry or IGNORE_MARK in line:
            continue
        column = content.find(entry) + 1
        kind: RepoType = "model"
        if entry.startswith("datasets/") and entry.count("/") == 2:
            kind, entry = "dataset", entry.removeprefix("datasets/")
        elif entry.startswith("models/") and entry.count("/") == 2:
            entry = entry.removeprefix("models/")
        url = hub_url(entry)
        repo = url[1] if url else hub_id(entry, legacy=True)
        if url:
            kind = url[0]  # type: ignore[assignment]
        if repo:
            found.append(Found(repo, kind, Place(file, number, column, file.rsplit("/", 1)[-1])))
    return found

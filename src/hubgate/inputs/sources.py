"""Input sources: command-line ids, text files, stdin and models_config.yaml-style files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hubgate.inputs.refs import CollectionRef, InvalidRef, RepoRef, RepoType, parse_collection, parse_ref

DEFAULT_LIST = "models_to_check.txt"
# A wrapper that ships its own list beside it (check_models.sh) names it here: used when the working
# directory has no models_to_check.txt and neither ids nor -f were given.
ENV_DEFAULT_LIST = "HUBGATE_DEFAULT_LIST"
# What a list of ids is saved as: an id with such a suffix is taken for a file only when that file exists.
LIST_SUFFIXES = frozenset({".txt", ".yaml", ".yml", ".json", ".toml", ".csv", ".list"})
# A check of a whole model zoo is a few thousand ids; a bigger input is a mistake (a data file, a log)
# that would hold gigabytes of memory before the first request.
MAX_ENTRIES = 100_000
MAX_INPUT_BYTES = 64 * 2**20


class InputError(Exception):
    """A source that cannot be read at all (missing file, not text). One line, exit 2; `hint` (may be
    empty) says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Entry:
    """One raw entry and where it came from."""

    text: str
    origin: str | None


def _strip_comment(line: str) -> str:
    # A '#' starts a comment only at the start or after white space, so URLs with fragments survive.
    for index, char in enumerate(line):
        if char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def _read_text(path: str) -> tuple[str, str]:
    """Return (display name, text) for a path or '-' (stdin), read within MAX_INPUT_BYTES."""
    from hubgate.inputs.bounded import UnreadableFile, decode_text, read_capped, read_stdin_capped

    name = "<stdin>" if path == "-" else path
    what = "list of repo ids"
    try:
        if path == "-":
            data = read_stdin_capped(MAX_INPUT_BYTES, what=what, name="-f -")
        else:
            data = read_capped(path, MAX_INPUT_BYTES, what=what)
        text = decode_text(data, "-f -" if path == "-" else path, what=what)
    except UnreadableFile as exc:
        hint = exc.hint
        if exc.problem.startswith("no such"):
            hint = "pass ids as arguments, or -f FILE"
        elif exc.problem.startswith("larger than"):
            hint = "a list of repo ids is far smaller (wrong file?), or split it"
        raise InputError(str(exc), hint) from None
    return name, text


def entries_from_text(name: str, text: str) -> Iterator[Entry]:
    """Plain lists: one id per line, blank lines and # comments allowed, CRLF and BOM fine."""
    text = text.removeprefix("\ufeff")
    if _looks_like_yaml_config(text):
        yield from _entries_from_yaml(name, text)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        content = _strip_comment(line).strip()
        if content:
            yield Entry(content, f"{name}:{number}")


def _looks_like_yaml_config(text: str) -> bool:
    """models_config.yaml files are mappings with `name:` fields; plain lists never contain ': '."""
    for line in text.splitlines():
        stripped = _strip_comment(line).strip()
        if stripped:
            return stripped.endswith(":") or ": " in stripped
    return False


def _entries_from_yaml(name: str, text: str) -> Iterator[Entry]:
    """Groups of entries, each with a `name:` field (the shape of models_config.yaml). Composed only, and
    measured before the walk: aliases that expand past the bounds are refused, not walked."""
    from hubgate.inputs.bounded import UnreadableFile, compose_yaml

    try:
        root = compose_yaml(text, name)
    except UnreadableFile as exc:
        raise InputError(str(exc), exc.hint) from None
    found = list(_walk_name_fields(root, name))
    if not found:
        raise InputError(
            f"{name}: YAML without any `name:` entry",
            "expected groups of entries with `name: org/model` (models_config.yaml), or one id per line",
        )
    yield from found


def _walk_name_fields(node: object, file_name: str) -> Iterator[Entry]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "name" and isinstance(value, yaml.ScalarNode):
                yield Entry(str(value.value), f"{file_name}:{value.start_mark.line + 1}")
            else:
                yield from _walk_name_fields(value, file_name)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                yield Entry(str(item.value), f"{file_name}:{item.start_mark.line + 1}")
            else:
                yield from _walk_name_fields(item, file_name)


def read_entries(
    ids: Iterable[str], files: Iterable[str], *, default_file: str | None = DEFAULT_LIST
) -> list[Entry]:
    """All entries in order: arguments first, then each file. With neither, the default list. An id that
    names a list file here (`hubgate check models.txt`) is a usage error pointing at `-f`: asking the Hub
    for a repo called `models.txt` helps nobody."""
    ids = list(ids)
    for text in ids:
        if Path(text).suffix.lower() in LIST_SUFFIXES and Path(text).is_file():
            raise InputError(
                f"{text} is a file here, not a repo id: to check the ids it lists, pass -f {text}",
                hint=f"hubgate check -f {text}",
            )
    entries = [Entry(text, None) for text in ids]
    files = list(files)
    if not entries and not files and default_file is not None:
        fallback = os.environ.get(ENV_DEFAULT_LIST, "")
        if not Path(default_file).exists() and fallback:
            default_file = fallback
        if not Path(default_file).exists():
            raise InputError(
                f"nothing to check: no ids given and no ./{default_file} here "
                f"(pass ids, -f FILE, or -f - for stdin)"
            )
        files = [default_file]
    if sum(1 for f in files if f == "-") > 1:
        raise InputError("-f - (stdin) can be given only once")
    for path in files:
        name, text = _read_text(path)
        for entry in entries_from_text(name, text):
            entries.append(entry)
            if len(entries) > MAX_ENTRIES:
                raise InputError(
                    f"{entry.origin or name}: more than {MAX_ENTRIES:,} entries; "
                    "check a large zoo in parts (one run per list)"
                )
    if len(entries) > MAX_ENTRIES:
        raise InputError(
            f"more than {MAX_ENTRIES:,} ids given; check a large zoo in parts (one run per list)"
        )
    return entries


def parse_entries(
    entries: Iterable[Entry],
    *,
    default_type: RepoType = "model",
    endpoint: str | None = None,
    aliases: dict[str, str] | None = None,
    revision: str | None = None,
) -> list[RepoRef | InvalidRef | CollectionRef]:
    """Parse entries; exact duplicates (same repo type, id and revision; same collection) are kept once,
    first occurrence wins. A collection (`collections/ns/slug-id` or its URL) stays one entry: the check
    expands it.
    `aliases`: lower-cased registry names (mistral_7b, gpt2) -> the Hub id they stand for.
    `revision` (--revision): pins every entry that does not pin its own."""
    seen: set[tuple[str, str]] = set()
    refs: list[RepoRef | InvalidRef | CollectionRef] = []
    for entry in entries:
        text = entry.text.strip()
        collection = parse_collection(entry.text, origin=entry.origin, endpoint=endpoint, revision=revision)
        if collection is not None:
            if isinstance(collection, CollectionRef):
                if collection.key in seen:
                    continue
                seen.add(collection.key)
            refs.append(collection)
            continue
        if aliases and text.lower() in aliases:
            ref: RepoRef | InvalidRef = RepoRef(
                entry.text, default_type, aliases[text.lower()], entry.origin, revision=revision
            )
        else:
            ref = parse_ref(
                entry.text,
                default_type=default_type,
                origin=entry.origin,
                endpoint=endpoint,
                revision=revision,
            )
        if isinstance(ref, RepoRef):
            if ref.key in seen:
                continue
            seen.add(ref.key)
        refs.append(ref)
    return refs

"""Reading one registry entry file: safe YAML (C-accelerated when libyaml is there) that refuses duplicate
keys, read within a size bound and measured before it is built, and the line of any field in it, so that
every problem names `file:line: field`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from hubgate.paths import Problem, display_path

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):
    """Safe loading (C-accelerated when libyaml is there) that refuses duplicate keys."""


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=True)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# One entry is a screenful of YAML; a file far past this is not an entry.
MAX_ENTRY_BYTES = 2**20


def read_entry_text(path: Path) -> str:
    from hubgate.inputs.bounded import decode_text, read_capped

    return decode_text(
        read_capped(path, MAX_ENTRY_BYTES, what="registry entry", pipes=False), display_path(path)
    )


def parse_file(path: Path) -> tuple[Any, Problem | None]:
    """The YAML data of one file, or the problem that stops it being read. The file is read within
    MAX_ENTRY_BYTES, and its composed document is measured (aliases expanded, nesting) before it is
    built: a "billion laughs" file is one problem, not minutes and gigabytes."""
    from hubgate.inputs.bounded import UnreadableFile, check_yaml_size, check_yaml_text

    try:
        text = read_entry_text(path)
    except UnreadableFile as exc:
        return None, Problem(display_path(path), 1, "(file)", f"cannot be read: {exc.problem}")
    try:
        check_yaml_text(text, display_path(path), StrictLoader)
    except UnreadableFile as exc:
        return None, Problem(display_path(path), 1, "(yaml)", exc.problem)
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        check_yaml_size(node, display_path(path))
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, Problem(
            display_path(path), line, "(yaml)", f"{exc.context or ''} {exc.problem or ''}".strip()
        )
    except yaml.YAMLError as exc:
        return None, Problem(display_path(path), 1, "(yaml)", str(exc))
    except UnreadableFile as exc:
        return None, Problem(display_path(path), 1, "(yaml)", exc.problem)
    except RecursionError:
        return None, Problem(display_path(path), 1, "(yaml)", "nested too deep to parse")
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        return None, Problem(
            display_path(path), 1, "(file)", f"must be a mapping of fields, not {type(data).__name__}"
        )
    return data, None


def line_of(path: Path, loc: Sequence[str | int]) -> int:
    """The 1-based line of the node at `loc` (a pydantic error location); the nearest parent if absent."""
    from hubgate.inputs.bounded import UnreadableFile

    try:
        node = yaml.compose(read_entry_text(path), Loader=_BaseLoader)
    except (UnreadableFile, yaml.YAMLError, RecursionError):
        return 1
    if node is None:
        return 1
    line = node.start_mark.line + 1
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            # A key may itself hold dots (sources: {specs.parameters: ...}): try the longest first.
            rest = [str(p) for p in parts]
            for width in range(len(rest), -1, -1):
                wanted = ".".join([part, *rest[:width]])
                found = next((pair for pair in node.value if pair[0].value == wanted), None)
                if found is not None:
                    del parts[:width]
                    line = found[0].start_mark.line + 1
                    node = found[1]
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line

"""Reading files hubgate did not write, at a bounded cost.

Every file hubgate reads (id lists, token files, answers files, policy, registry, scanned code) may be
hostile or a mistake: a link to `/dev/zero`, a FIFO nobody writes to, a YAML "billion laughs" whose nine
lines expand to a billion nodes, a TOML array nested 100,000 deep. Each of those must cost one line,
not memory, time or a traceback. Readers here stop at a byte cap, refuse device files and sockets,
measure a YAML document's expanded size before anything walks it, and turn a parser's recursion
overflow into the same one-line problem.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml

# A YAML document hubgate reads (a registry entry, a models_config.yaml, a CI workflow) has at most some
# thousands of nodes; aliases may legitimately repeat a block a few times. Past these, it is a bomb.
MAX_YAML_NODES = 200_000
MAX_NESTING = 100
# A file a person writes by hand (policy, answers, rules, a registry entry, a token file) is a few KiB.
MAX_CONFIG_BYTES = 2**20
# How long a named pipe may stay without a writer (or silent) before hubgate gives up on it: long enough
# for `mkfifo t; pass show hf > t &`, short enough that a pipe nobody writes to is an error, not a hang.
FIFO_WAIT_SECONDS = 30.0


class UnreadableFile(Exception):
    """A file that cannot be read within its bounds. `str()` is one line naming the file; `hint` says
    what to do about it."""

    def __init__(self, where: str, problem: str, hint: str = "", *, line: int | None = None) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem
        self.hint = hint
        self.line = line  # the 1-based line the problem is on, when a parser said so


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _size_words(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} KiB"


def read_capped(
    path: str | os.PathLike[str],
    limit: int,
    *,
    what: str = "file",
    pipes: bool = True,
    fifo_wait: float | None = None,
) -> bytes:
    """The bytes of `path`, refused past `limit` bytes. Regular files and, with `pipes`, pipes (a pipe
    is how a shell hands over a secret: `--token-file <(pass show hf)`); devices and sockets are refused
    before a byte is read. The open never blocks on a FIFO without a writer, and a FIFO that gets no
    writer (or no bytes) within `fifo_wait` seconds (default FIFO_WAIT_SECONDS) is refused. Files found
    by looking (policy, registry folders) pass `pipes=False`: a FIFO there is refused at once."""
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UnreadableFile(name, "no such file", "check the path") from None
    except IsADirectoryError:
        raise UnreadableFile(name, f"is a directory, expected {_a(what)}", "name a file") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened elsewhere
            raise UnreadableFile(name, f"not a regular file, expected {_a(what)}", "name a file") from None
        raise UnreadableFile(name, f"cannot read ({exc.strerror or exc})", "check its permissions") from None
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise UnreadableFile(name, f"is a directory, expected {_a(what)}", "name a file")
        if stat.S_ISCHR(mode) and _is_devnull(os.fstat(fd)):
            return b""  # the usual way to say "an empty list": nothing to read, nothing to fear
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise UnreadableFile(
                name, f"a device or socket, not {_a(what)}", "name a regular file (devices are never read)"
            )
        if stat.S_ISFIFO(mode) and not pipes:
            raise UnreadableFile(name, f"a named pipe, not {_a(what)}", "name a regular file")
        if stat.S_ISFIFO(mode):
            chunks = _read_pipe(fd, name, limit, FIFO_WAIT_SECONDS if fifo_wait is None else fifo_wait)
        else:
            os.set_blocking(fd, True)
            chunks = _read_chunks(fd, limit, info.st_size)
    except OSError as exc:
        raise UnreadableFile(name, f"cannot read ({exc.strerror or exc})", "check its permissions") from None
    finally:
        os.close(fd)
    return _within(b"".join(chunks), limit, name, what)


def _is_devnull(info: os.stat_result) -> bool:
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    return stat.S_ISCHR(null.st_mode) and info.st_rdev == null.st_rdev


def _read_chunks(fd: int, limit: int, size: int | None = None) -> list[bytes]:
    """Up to limit + 1 bytes. `size`: a regular file's size, whose first read asks for one byte more, so
    that a short answer is its end: one read per file instead of two (a scan reads thousands)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        asked = min(2**20, limit + 1 - total, size + 1 if size is not None and not chunks else 2**20)
        chunk = os.read(fd, asked)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if size is not None and len(chunk) < asked and total >= size:
            break  # a regular file answered short of what was asked, and as long as it said: its end
    return chunks


def _read_pipe(fd: int, name: str, limit: int, wait: float) -> list[bytes]:
    """A named pipe, read without blocking: poll() waits for its writer (a FIFO reports neither data
    nor hang-up before one connects), and end of file is the writer closing it."""
    import select

    poller = select.poll()
    poller.register(fd, select.POLLIN)
    deadline = time.monotonic() + wait
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise UnreadableFile(
                name,
                f"a named pipe that nothing wrote to in {wait:.0f} s",
                "start the program that writes to it first, or pass a regular file",
            )
        try:
            chunk = os.read(fd, min(2**20, limit + 1 - total))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return chunks


def _within(data: bytes, limit: int, name: str, what: str) -> bytes:
    if len(data) > limit:
        raise UnreadableFile(
            name,
            f"larger than {_size_words(limit)}, too large for {_a(what)}",
            "wrong file? hubgate reads at most this much of it",
        )
    return data


def read_stdin_capped(limit: int, *, what: str = "input", name: str = "<stdin>") -> bytes:
    """Standard input's bytes, refused past `limit`; a closed stdin (`<&-`) is one line, not a crash."""
    stream = getattr(sys.stdin, "buffer", None)
    hint = "pipe the input in, or name a file instead of -"
    if stream is None or getattr(sys.stdin, "closed", False) or stream.closed:
        raise UnreadableFile(name, "standard input is closed", hint)
    try:
        data = stream.read(limit + 1)
    except (OSError, ValueError) as exc:
        problem = getattr(exc, "strerror", None) or "closed"
        raise UnreadableFile(name, f"standard input cannot be read ({problem})", hint) from None
    return _within(data or b"", limit, name, what)


def decode_text(data: bytes, name: str, *, what: str = "text file") -> str:
    """UTF-8 text (a BOM allowed), or one line saying the file is binary or in another encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data.count(b"\x00") > max(8, len(data) // 100):
        raise UnreadableFile(name, f"a binary file, not a UTF-8 {what}", "save it as UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(name, f"not UTF-8 text (byte {exc.start})", "save it as UTF-8") from None


def read_text_capped(path: str | os.PathLike[str], limit: int, *, what: str = "text file") -> str:
    return decode_text(read_capped(path, limit, what=what), os.fspath(path), what=what)


def check_yaml_size(
    node: yaml.Node | None, name: str, *, max_nodes: int = MAX_YAML_NODES, max_depth: int = MAX_NESTING
) -> None:
    """Refuse a composed YAML document whose aliases expand past `max_nodes` nodes, nest past
    `max_depth`, or refer to themselves. Composing is cheap (an alias is one shared node); what costs is
    any walk or construction that expands it, so this measures before anything walks. Iterative, with
    each shared node measured once: linear in the document, whatever it claims to expand to."""
    import yaml

    if node is None:
        return
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, depth)
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if key in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(current, yaml.SequenceNode):
            children = list(current.value)
        elif isinstance(current, yaml.MappingNode):
            children = [part for pair in current.value for part in pair]
        if children_done:
            visiting.discard(key)
            size = 1 + sum(sizes[id(child)][0] for child in children)
            depth = 1 + max((sizes[id(child)][1] for child in children), default=0)
            if size > max_nodes:
                raise UnreadableFile(
                    name,
                    f"YAML aliases expand past {max_nodes:,} nodes (an alias bomb?)",
                    "hubgate refuses YAML that expands this far; remove the repeated aliases",
                )
            if depth > max_depth:
                raise UnreadableFile(
                    name,
                    f"YAML nested deeper than {max_depth} levels",
                    "hubgate refuses YAML nested this deep; flatten it",
                )
            sizes[key] = (size, depth)
            continue
        if key in visiting:
            raise UnreadableFile(name, "YAML alias refers to itself", "remove the recursive alias")
        visiting.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
        if len(visiting) > max_depth:
            raise UnreadableFile(
                name, f"YAML nested deeper than {max_depth} levels", "hubgate refuses YAML nested this deep"
            )


def yaml_problem(exc: BaseException, name: str) -> UnreadableFile:
    """A PyYAML error (or a parser recursion overflow) as one line with the line number."""
    if isinstance(exc, RecursionError):
        return UnreadableFile(name, "YAML nested too deep to parse", "flatten it")
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    where = f"{name}:{line}" if line is not None else name
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return UnreadableFile(where, f"not valid YAML ({problem})", "fix the YAML syntax", line=line)


def _yaml_loader() -> type[Any]:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_yaml_text(text: str, name: str, loader: type[Any]) -> None:
    """Before a pure-Python parser (no libyaml here) sees the text: flow nesting (`[[[[...`) past
    MAX_NESTING is refused, since that parser takes seconds per thousand levels before it overflows.
    libyaml stops at 1,000 levels by itself, within milliseconds, and check_yaml_size does the rest."""
    try:
        from yaml.cyaml import CParser  # type: ignore[attr-defined]

        native = issubclass(loader, CParser)
    except ImportError:  # PyYAML without libyaml
        native = False
    if not native and _nesting_depth(text) > MAX_NESTING:
        raise UnreadableFile(
            name, f"YAML nested deeper than {MAX_NESTING} levels", "hubgate refuses YAML nested this deep"
        )


def compose_yaml(text: str, name: str, *, loader: type[Any] | None = None) -> yaml.Node | None:
    """The one document of a YAML stream as a node tree (nothing built), within the size and depth
    bounds: safe to walk."""
    import yaml

    loader = loader or _yaml_loader()
    check_yaml_text(text, name, loader)
    instance = loader(text)
    try:
        node = instance.get_single_node()
    except (yaml.YAMLError, RecursionError) as exc:
        raise yaml_problem(exc, name) from None
    finally:
        instance.dispose()
    check_yaml_size(node, name)
    return node  # type: ignore[no-any-return]


def compose_yaml_all(text: str, name: str, *, loader: type[Any] | None = None) -> list[yaml.Node]:
    """Every document of a YAML stream as nodes, each within the size and depth bounds."""
    import yaml

    loader = loader or _yaml_loader()
    check_yaml_text(text, name, loader)
    try:
        nodes = [node for node in yaml.compose_all(text, Loader=loader) if node is not None]
    except (yaml.YAMLError, RecursionError) as exc:
        raise yaml_problem(exc, name) from None
    for node in nodes:
        check_yaml_size(node, name)
    return nodes


def load_yaml(text: str, name: str, *, loader: type[Any] | None = None) -> Any:
    """One YAML document as Python data (safe tags only), within the size and depth bounds."""
    import yaml

    loader = loader or _yaml_loader()
    check_yaml_text(text, name, loader)
    instance = loader(text)
    try:
        node = instance.get_single_node()
        check_yaml_size(node, name)
        return None if node is None else instance.construct_document(node)
    except (yaml.YAMLError, RecursionError) as exc:
        raise yaml_problem(exc, name) from None
    finally:
        instance.dispose()


# Strings ignored roughly: a quote runs to the next quote of its kind, or to the end of the text.
_QUOTED = re.compile(r"\"[^\"]*\"?|'[^']*'?")
_BRACKETS = re.compile(r"[][{}]")


def _nesting_depth(text: str) -> int:
    """Bracket nesting ([ and {), strings ignored roughly: enough to refuse a bomb before a recursive
    parser overflows, never used to accept. The text is scanned by the regex engine, not char by char in
    Python: a registry cache or a scanned config of 100 KB costs well under a millisecond."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_QUOTED.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def load_toml(data: bytes | str, name: str) -> dict[str, Any]:
    """A TOML document as a table; binary, non-UTF-8, malformed or absurdly nested input is one line.
    Text already decoded (a scanned file) skips the decoding step."""
    text = data if isinstance(data, str) else decode_text(data, name, what="TOML file")
    if _nesting_depth(text) > MAX_NESTING:
        raise UnreadableFile(name, f"TOML nested deeper than {MAX_NESTING} levels", "flatten it")
    import tomllib  # only where a TOML file is read: a check without a policy file reads none

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(name, f"not valid TOML: {exc}", "fix the TOML syntax") from None
    except RecursionError:
        raise UnreadableFile(name, "TOML nested too deep to parse", "flatten it") from None


def load_json(text: str, name: str) -> Any:
    """JSON whose nesting cannot overflow the parser."""
    if _nesting_depth(text) > MAX_NESTING:
        raise UnreadableFile(name, f"JSON nested deeper than {MAX_NESTING} levels", "flatten it")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"{name}:{exc.lineno}", f"not valid JSON ({exc.msg})", "fix the JSON", line=exc.lineno
        ) from None
    except RecursionError:
        raise UnreadableFile(name, "JSON nested too deep to parse", "flatten it") from None


def regular_file_within(path: Path, root: Path) -> str | None:
    """Why `path` must not be read as part of the tree under `root` (None when it may): it resolves
    outside the root, or is not a regular file (FIFO, device, socket)."""
    try:
        real = path.resolve(strict=True)
        mode = real.stat().st_mode
    except (OSError, RuntimeError):  # a dangling or looping link
        return "a broken or looping link"
    if not real.is_relative_to(root):
        return f"a link to {real}, outside the scanned folder"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, device or socket)"
    return None

"""inputs/bounded.py: hostile files cost one line, never memory, time or a traceback."""

from __future__ import annotations

import io
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hubgate.inputs import bounded
from hubgate.inputs.bounded import (
    MAX_NESTING,
    UnreadableFile,
    check_yaml_size,
    compose_yaml,
    compose_yaml_all,
    decode_text,
    load_json,
    load_toml,
    load_yaml,
    read_capped,
    read_stdin_capped,
    read_text_capped,
)

# Nine lines that expand to 9^9 (387 million) strings when anything walks them.
ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
        for prev, name in zip("abcdefg", "bcdefgh", strict=True)
    )
    + f"name: [{', '.join(['*h'] * 9)}]\n"
)


def one_line(exc: UnreadableFile) -> str:
    text = str(exc)
    assert "\n" not in text and exc.hint and "\n" not in exc.hint
    return text


# -- read_capped ---------------------------------------------------------------------------------------


def test_a_regular_file_within_the_cap_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_bytes(b"x" * 1000)
    assert read_capped(path, 1000) == b"x" * 1000


def test_a_file_past_the_cap_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(UnreadableFile) as caught:
        read_capped(path, 1024, what="token file")
    assert one_line(caught.value) == f"{path}: larger than 1 KiB, too large for a token file"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/full"])
def test_devices_are_refused_before_a_byte_is_read(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        read_capped(device, 2**20, what="answers file")
    assert "a device or socket, not an answers file" in one_line(caught.value)
    assert time.monotonic() - started < 1


def test_dev_null_is_an_empty_file() -> None:
    if not os.path.exists(os.devnull):
        pytest.skip("no /dev/null here")
    assert read_capped(os.devnull, 10) == b""


def test_missing_files_and_directories_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file") as missing:
        read_capped(tmp_path / "nope", 10)
    assert missing.value.hint == "check the path"
    with pytest.raises(UnreadableFile, match="is a directory, expected a rules file"):
        read_capped(tmp_path, 10, what="rules file")


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        with pytest.raises(UnreadableFile, match=r"not a regular file|device or socket"):
            read_capped(path, 10)
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_fifo_is_read_when_its_writer_comes_even_late(tmp_path: Path) -> None:
    fifo = tmp_path / "tokens"
    os.mkfifo(fifo)

    def writer() -> None:
        time.sleep(0.3)  # after the reader opened it: the read must wait, not see an empty file
        with open(fifo, "w") as out:
            out.write("laptop=hf_" + "x" * 34 + "\n")

    thread = threading.Thread(target=writer)
    thread.start()
    assert read_capped(fifo, 1024, fifo_wait=10) == b"laptop=hf_" + b"x" * 34 + b"\n"
    thread.join()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_fifo_nobody_writes_to_is_one_line_after_the_wait(tmp_path: Path) -> None:
    fifo = tmp_path / "silent"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        read_capped(fifo, 1024, fifo_wait=0.3)
    assert "a named pipe that nothing wrote to" in one_line(caught.value)
    assert time.monotonic() - started < 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_fifo_where_none_belongs_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "hubgate.toml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(UnreadableFile, match="a named pipe, not a policy file"):
        read_capped(fifo, 1024, what="policy file", pipes=False, fifo_wait=30)
    assert time.monotonic() - started < 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_fifo_that_never_ends_stops_at_the_cap(tmp_path: Path) -> None:
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer() -> None:
        try:
            with open(fifo, "wb") as out:
                while not stop.is_set():
                    out.write(b"y" * 65536)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with pytest.raises(UnreadableFile, match="larger than 64 KiB"):
        read_capped(fifo, 65536, fifo_wait=10)
    stop.set()


def test_read_text_capped_decodes_or_says_why(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"\xef\xbb\xbfgpt2\r\n")
    assert read_text_capped(path, 100) == "gpt2\r\n"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(UnreadableFile, match=r"not UTF-8 text \(byte 3\)"):
        read_text_capped(path, 100)


# -- stdin ---------------------------------------------------------------------------------------------


def test_stdin_is_read_within_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"alice\nbob\n")))
    assert read_stdin_capped(100) == b"alice\nbob\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\x00" * 500)))
    with pytest.raises(UnreadableFile, match="larger than"):
        read_stdin_capped(100, name="-f -")


@pytest.mark.parametrize("stdin", [None, "closed", "closed-stdin"])
def test_a_closed_stdin_is_one_line(monkeypatch: pytest.MonkeyPatch, stdin: str | None) -> None:
    from hubgate.cli.output import ClosedStdin

    stream: object = None
    if stdin == "closed":
        stream = io.TextIOWrapper(io.BytesIO(b"x"))
        stream.close()  # type: ignore[attr-defined]
    elif stdin == "closed-stdin":
        stream = ClosedStdin()  # what main() puts there when the process started with fd 0 closed
    monkeypatch.setattr(sys, "stdin", stream)
    with pytest.raises(UnreadableFile) as caught:
        read_stdin_capped(100, name="-f -")
    assert one_line(caught.value) == "-f -: standard input is closed"


# -- text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("hello".encode("utf-16"), "a binary file"),
        (b"\x00" * 50 + b"abc", "a binary file"),
        (b"ok \xff\xfe", "not UTF-8 text (byte 3)"),
    ],
)
def test_binary_and_foreign_encodings_are_one_line(data: bytes, words: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        decode_text(data, "answers.yaml")
    assert words in one_line(caught.value) and str(caught.value).startswith("answers.yaml: ")


# -- YAML ----------------------------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_quickly_with_the_file_named() -> None:
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        load_yaml(ALIAS_BOMB, "models_config.yaml")
    assert one_line(caught.value).startswith("models_config.yaml: YAML aliases expand past")
    with pytest.raises(UnreadableFile, match="alias bomb"):
        compose_yaml_all(ALIAS_BOMB, "bomb.yaml")
    assert time.monotonic() - started < 2


def test_ordinary_aliases_are_fine() -> None:
    text = (
        "base: &base {dtype: bf16, context: 4096}\nsmall: {<<: *base, size: 1}\nbig: {<<: *base, size: 2}\n"
    )
    assert load_yaml(text, "x.yaml")["big"] == {"dtype": "bf16", "context": 4096, "size": 2}


def test_a_recursive_alias_is_refused() -> None:
    node = yaml.compose("a: &a [1, *a]\n", Loader=yaml.SafeLoader)
    with pytest.raises(UnreadableFile, match="refers to itself"):
        check_yaml_size(node, "loop.yaml")


def test_deep_nesting_is_refused_in_block_and_flow_style() -> None:
    block = "".join("  " * depth + f"k{depth}:\n" for depth in range(MAX_NESTING + 5)) + "  " * 200 + "v\n"
    with pytest.raises(UnreadableFile, match="nested"):
        load_yaml(block, "deep.yaml")
    flow = "x: " + "[" * 5000 + "]" * 5000
    with pytest.raises(UnreadableFile) as caught:
        load_yaml(flow, "flow.yaml")
    one_line(caught.value)


@pytest.mark.parametrize("loader", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)])
def test_deep_flow_nesting_is_refused_quickly_whichever_parser(loader: type) -> None:
    """The pure-Python parser takes seconds per thousand levels: the text is measured before it runs."""
    flow = "name: " + "[" * 50_000 + "]" * 50_000
    started = time.monotonic()
    for parse in (load_yaml, compose_yaml, compose_yaml_all):
        with pytest.raises(UnreadableFile, match=r"nested|YAML"):
            parse(flow, "deep.yaml", loader=loader)
    assert time.monotonic() - started < 2


def test_yaml_syntax_errors_name_the_line() -> None:
    with pytest.raises(UnreadableFile) as caught:
        load_yaml("ok: 1\nbad: [1, 2\n", "answers.yaml")
    assert caught.value.line is not None and str(caught.value).startswith(
        f"answers.yaml:{caught.value.line}: "
    )
    assert "not valid YAML" in one_line(caught.value)


def test_load_yaml_builds_with_the_given_loader() -> None:
    class NoDuplicates(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(key) for key, _ in node.value]
        if len(keys) != len(set(keys)):
            raise yaml.constructor.ConstructorError(None, None, "duplicate key", node.start_mark)
        return loader.construct_mapping(node)

    NoDuplicates.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    with pytest.raises(UnreadableFile, match="duplicate key"):
        load_yaml("a: 1\na: 2\n", "dup.yaml", loader=NoDuplicates)


# -- TOML and JSON -------------------------------------------------------------------------------------


def test_deep_toml_is_one_line_not_a_recursion_error() -> None:
    for text in ("x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 3000 + "1" + "}" * 3000):
        with pytest.raises(UnreadableFile, match="TOML nested deeper") as caught:
            load_toml(text.encode(), "hubgate.toml")
        one_line(caught.value)


def test_toml_binary_and_syntax_errors_are_one_line() -> None:
    with pytest.raises(UnreadableFile, match=r"not UTF-8|binary"):
        load_toml(bytes(range(256)), "hubgate.toml")
    with pytest.raises(UnreadableFile, match="not valid TOML") as caught:
        load_toml(b"max-size = [\n", "hubgate.toml")
    one_line(caught.value)
    assert load_toml(b'fail-on = "error"\n[tool.x]\ny = [[1], [2]]\n', "ok.toml")["fail-on"] == "error"


def test_deep_or_broken_json_is_one_line() -> None:
    with pytest.raises(UnreadableFile, match="JSON nested deeper"):
        load_json("[" * 100_000 + "]" * 100_000, "cache.json")
    with pytest.raises(UnreadableFile) as caught:
        load_json('{"a": 1,\n"b": }', "cache.json")
    assert caught.value.line == 2 and str(caught.value).startswith("cache.json:2: ")


def test_the_module_keeps_its_bounds_small() -> None:
    assert bounded.MAX_CONFIG_BYTES <= 2**20 and bounded.MAX_NESTING <= 200


def _depth_char_by_char(text: str) -> int:
    """The nesting measure as first written: a quote toggles until the next of its kind."""
    depth = deepest = 0
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="[]{}\"'a\\ \n", max_size=60))
@example('["a]", {"b": [1]}]')
@example("'[[' ]]] [[[\"")
def test_nesting_is_measured_as_the_char_by_char_reading_does(text: str) -> None:
    """The regex reading (fast on a 100 KB file) counts exactly what the first, slow reading counted."""
    assert bounded._nesting_depth(text) == _depth_char_by_char(text)

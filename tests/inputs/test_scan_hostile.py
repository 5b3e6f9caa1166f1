"""`hubgate scan` on a tree built to hurt it: links out of the tree (to /etc/passwd, to code elsewhere,
to /dev/zero, to the scan's own stdin), a FIFO, an unreadable folder, a binary .gitignore, a 50,000-term
concatenation, 1,200 chained assignments, a YAML alias bomb, JSON nested 100,000 deep, an oversized
file and a file name that is not UTF-8. Each costs one `skipped` line (or a dynamic value), bounded in
time and memory, and every other file's findings are intact."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from hubgate.inputs.scan import scan_paths
from hubgate.inputs.scan.walker import MAX_BYTES
from tests.conftest import clean_env

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
model_name_or_path: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""
LOAD = "from transformers import AutoModel\n"
# What the tree really uses, each in a file of its own: all must survive their hostile neighbours.
EXPECTED = {"good/model", "sub/model", "chain/direct", "bytes/model", "config/model"}
NON_UTF8 = b"bad\xffname.py"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    outside = tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    (root / "locked").mkdir()
    outside.mkdir()
    (root / "ok.py").write_text(LOAD + 'AutoModel.from_pretrained("good/model")\n')
    (root / "sub" / "in_sub.py").write_text(LOAD + 'AutoModel.from_pretrained("sub/model")\n')
    (root / "locked" / "x.py").write_text(LOAD + 'AutoModel.from_pretrained("locked/model")\n')
    (root / "train.yaml").write_text("model_name_or_path: config/model\n")
    (outside / "far.py").write_text(LOAD + 'AutoModel.from_pretrained("outside/model")\n')
    (outside / "deep.py").write_text(LOAD + 'AutoModel.from_pretrained("outside/folder-model")\n')
    (root / "far.py").symlink_to(outside / "far.py")
    (root / "passwd.yaml").symlink_to("/etc/passwd")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "stdin.py").symlink_to("/proc/self/fd/0")
    (root / "linked_dir").symlink_to(outside)
    (root / "alias.py").symlink_to(root / "ok.py")  # inside the tree: read once, where it really is
    os.mkfifo(root / "fifo.py")
    # binary: a NUL-laden .gitignore whose patterns would hide in_sub.py if they were applied
    (root / "sub" / ".gitignore").write_bytes(b"\x00\x01*.py\n" * 500)
    (root / "concat.py").write_text(
        LOAD + "x = " + " + ".join(['"a"'] * 50_000) + "\nAutoModel.from_pretrained(x)\n"
    )
    chain = "".join(f"a{i} = a{i - 1}\n" for i in range(1, 1201))
    (root / "chain.py").write_text(
        LOAD + 'a0 = "org/chain"\n' + chain + "AutoModel.from_pretrained(a1200)\n"
        'AutoModel.from_pretrained("chain/direct")\n'
    )
    (root / "bomb.yaml").write_text(BOMB)
    (root / "deep.json").write_text('{"model": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with open(root / "huge.json", "wb") as handle:  # sparse: costs no disk, only its size is read
        handle.truncate(MAX_BYTES + 1)
    (root / os.fsdecode(NON_UTF8)).write_text(LOAD + 'AutoModel.from_pretrained("bytes/model")\n')
    return root


# path (as reports show it) -> words its `skipped` reason must hold
SKIPPED = {
    "far.py": "outside the scanned folder",
    "passwd.yaml": "a link to /etc/passwd, outside the scanned folder",
    "zero.py": "a link to /dev/zero, outside the scanned folder",
    "stdin.py": "",  # /proc/self/fd/0 is a pipe or a terminal: outside, or a broken link
    "linked_dir": "outside the scanned folder, not followed",
    "fifo.py": "not a regular file",
    "sub/.gitignore": "a binary file",
    "concat.py": "nested too deep to parse",
    "bomb.yaml": "alias bomb",
    "deep.json": "nested deeper than 100 levels",
    "huge.json": "larger than 4 MiB",
}


def _limit_memory() -> None:
    """The child may use 1 GiB of address space: following /dev/zero must fail the test, not the host."""
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


def test_hostile_tree_is_scanned_in_bounded_time_and_memory(hostile: Path, tmp_path: Path) -> None:
    stdin_read, stdin_write = os.pipe()  # a writer that never writes: reading the scan's stdin would hang
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "hubgate", "scan", "--format", "json"],
            stdin=stdin_read,
            capture_output=True,
            cwd=hostile,
            env=clean_env("http://127.0.0.1:9", tmp_path),
            timeout=60,
            preexec_fn=_limit_memory,
        )
    finally:
        os.close(stdin_read)
        os.close(stdin_write)
    elapsed = time.monotonic() - started
    stderr = proc.stderr.decode()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert elapsed < 30, f"the scan took {elapsed:.1f} s"
    data = json.loads(proc.stdout)
    schema = json.loads(resources.files("hubgate").joinpath("schemas/scan-v1.json").read_text())
    jsonschema.validate(data, schema)
    broken = json.loads(json.dumps(data))
    broken["skipped"][0].pop("reason")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)

    assert {repo["id"] for repo in data["repos"]} == EXPECTED | {"locked/model"}
    reasons = {item["path"]: item["reason"] for item in data["skipped"]}
    for path, words in SKIPPED.items():
        assert words in reasons.get(path, "<not skipped>"), (path, reasons.get(path))
    assert set(reasons) == set(SKIPPED)
    for path, reason in reasons.items():  # one line each, on stderr too
        assert "\n" not in reason
        assert f"hubgate: note: skipped {path}: {reason}\n" in stderr
    # the 1,200-link chain is not followed to its end: dynamic, not a crash and not a guess
    assert [(d["file"], d["expression"]) for d in data["dynamic"]] == [("chain.py", "a1200")]
    # the link inside the tree is the same file: read once, under its real name
    places = {p["file"] for repo in data["repos"] for p in repo["places"]}
    assert "alias.py" not in places and "ok.py" in places
    # a name that is not UTF-8 is shown with its byte escaped, in valid JSON
    byte_places = next(r["places"] for r in data["repos"] if r["id"] == "bytes/model")
    assert byte_places[0]["file"] == "bad\\xffname.py"


def test_table_lists_skipped_files_once(hostile: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hubgate", "scan", "ok.py", "fifo.py", "zero.py", "sub"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=hostile,
        env=clean_env("http://127.0.0.1:9", tmp_path),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "skipped: not scanned\n" in proc.stdout
    assert "  fifo.py: not a regular file (a FIFO, device or socket), not read\n" in proc.stdout
    # named on the command line, a link is followed: to a device it still is not read
    assert "  zero.py: not a regular file" in proc.stdout
    assert "  sub/.gitignore: a binary file" in proc.stdout
    assert proc.stdout.rstrip().endswith("in 2 files; 2 unpinned; 3 skipped")
    assert "hubgate: note" not in proc.stderr  # the table says it; stderr does not repeat it


def test_unreadable_folder_is_a_note(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, which chmod 000 does not stop; os.scandir refuses the folder instead."""
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.chdir(hostile)
    result = scan_paths(["."])
    assert "locked: folder not readable (Permission denied), not scanned" in [str(s) for s in result.skipped]
    assert {f.repo_id for f in result.found} == EXPECTED


def test_unreadable_given_path_is_a_note_not_a_traceback(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fspath(path).endswith("ok.py"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.chdir(hostile)
    result = scan_paths(["ok.py", "train.yaml"])
    assert [str(s) for s in result.skipped] == ["ok.py: cannot read (Permission denied)"]
    assert {f.repo_id for f in result.found} == {"config/model"}


def test_ignore_file_with_invalid_patterns_keeps_the_valid_ones(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """pathspec refuses a whole file for one line git ignores (`!` alone, a trailing backslash)."""
    (tmp_path / ".gitignore").write_text("!\nscratch/\nfoo\\\n")
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "x.py").write_text(LOAD + 'AutoModel.from_pretrained("scratch/model")\n')
    (tmp_path / "kept.py").write_text(LOAD + 'AutoModel.from_pretrained("kept/model")\n')
    monkeypatch.chdir(tmp_path)
    result = scan_paths(["."])
    assert {f.repo_id for f in result.found} == {"kept/model"}
    assert result.skipped == []


def test_python_values_are_followed_at_a_bounded_cost(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`a = a + a` doubling (2^40 strings), a 10,000-way union and a 600-term concatenation end as
    dynamic or plain values quickly; short chains and long id lists are still followed."""
    doubling = "".join(f"a{i} = a{i - 1} + a{i - 1}\n" for i in range(1, 41))
    choices = "".join(f'c = "org/m{i}" if flag else c\n' for i in range(10_000))
    (tmp_path / "costly.py").write_text(
        LOAD
        + 'a0 = "x"\n'
        + doubling
        + "AutoModel.from_pretrained(a40)\n"
        + "c = None\n"
        + choices
        + "AutoModel.from_pretrained(c)\n"
        + "long = "
        + " + ".join(['"ab"'] * 600)
        + "\nAutoModel.from_pretrained(long)\n"
        + "ids = ["
        + ", ".join(f'"org/list{i}"' for i in range(300))
        + "]\n"
        + "for name in ids:\n    AutoModel.from_pretrained(name)\n"
        + 'b0 = "org/short-chain"\nb1 = b0\nb2 = b1\nAutoModel.from_pretrained(b2)\n'
    )
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    result = scan_paths(["."])
    assert time.monotonic() - started < 10
    found = {f.repo_id for f in result.found}
    assert "org/short-chain" in found
    assert {f"org/list{i}" for i in range(300)} <= found
    assert not any(repo.startswith(("x", "ab")) for repo in found)
    assert result.skipped == [] and result.problems == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_full_disk_on_stdout_is_one_line_and_a_nonzero_exit(hostile: Path, tmp_path: Path, fmt: str) -> None:
    """`hubgate scan > /dev/full` lost the report behind exit 0 (or ended in a traceback)."""
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "hubgate", "scan", "ok.py", "--format", fmt],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=hostile,
            env=clean_env("http://127.0.0.1:9", tmp_path),
            timeout=60,
        )
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 2, proc.stderr
    assert lines[0] == "hubgate: error: cannot write the output (No space left on device); the report is lost"
    assert lines[1].startswith("  hint: ")


def test_a_glob_git_would_not_understand_is_one_line(hostile: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hubgate", "scan", "ok.py", "--exclude", "!"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=hostile,
        env=clean_env("http://127.0.0.1:9", tmp_path),
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("hubgate: error: --exclude '!': not a glob in gitignore syntax\n  hint: ")


def test_one_line_files_of_many_ids_scan_in_linear_time(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Generated one-line files: every id's line was re-read (the ignore mark, the line number) and every
    `hf download` tokenized to the end of the line, quadratic in the line (140 s and 240 s here)."""
    count = 20_000
    (tmp_path / "ids.json").write_text(json.dumps({"runs": [{"model": f"org/j{i}"} for i in range(count)]}))
    (tmp_path / "fetch.sh").write_text(" && ".join(f"hf download org/s{i}" for i in range(count)) + "\n")
    calls = ";".join(f'AutoModel.from_pretrained("org/p{i}")' for i in range(count))
    (tmp_path / "load.py").write_text(f"from transformers import AutoModel;{calls}\n")
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    result = scan_paths(["."])
    elapsed = time.monotonic() - started
    assert len(result.found) == 3 * count
    assert {f.place.file for f in result.found if f.repo_id == f"org/j{count - 1}"} == {"ids.json"}
    last = next(f.place for f in result.found if f.repo_id == f"org/s{count - 1}")
    assert (last.line, last.column) == (1, (tmp_path / "fetch.sh").read_text().rindex("org/s") + 1)
    assert elapsed < 60, f"{elapsed:.1f} s"

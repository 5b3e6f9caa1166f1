"""Every file hubgate reads outside `scan` is read at a bounded cost, and every broken file or broken
environment ends in one line: `hubgate: error: ...` and a hint, exit 2, quickly, never a traceback.

In process (the real Typer app, CliRunner) for the many file cases; as a process only where the
process itself is under test: stdout on a full disk or a closed pipe, closed standard descriptors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubgate.cli.app import app
from hubgate.inputs import bounded
from hubgate.registry import set_default_registry
from hubgate.testhub import HubSim
from tests.conftest import (
    ALICE,
    DAVE,
    GPT2,
    LLAMA2,
    CliResult,
    assert_no_token,
    clean_env,
    run_on_a_terminal,
)
from tests.inputs.test_bounded import ALIAS_BOMB

SECONDS = 10  # every refusal below takes well under a second; the bomb used to take 45 s and 4 GB

# -- hostile files ---------------------------------------------------------------------------------------


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _fifo(path: Path) -> None:
    os.mkfifo(path)  # and nobody ever writes to it


KINDS: dict[str, Callable[[Path], None]] = {
    "alias-bomb": _write(ALIAS_BOMB.encode()),
    "deep-yaml": _write(b"name: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    "deep-toml": _write(b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    "binary": _write(bytes(range(256)) * 8),
    "non-utf8": _write("name: caf\xe9/mod\xe8le\n".encode("latin-1")),
    "dev-zero": _dev_zero,
    "fifo": _fifo,
    "huge": _write(b"# padding\n" * 120_000),  # past the 1 MiB of a hand-written file
}
YAML_KINDS = ("alias-bomb", "deep-yaml", "binary", "non-utf8", "dev-zero", "fifo", "huge")
TOML_KINDS = ("deep-toml", "binary", "non-utf8", "dev-zero", "fifo", "huge")
TEXT_KINDS = ("binary", "non-utf8", "dev-zero", "fifo")


def hostile(kind: str, path: Path) -> Path:
    if kind in ("dev-zero", "fifo") and not hasattr(os, "mkfifo"):
        pytest.skip("no device files or FIFOs here")
    path.parent.mkdir(parents=True, exist_ok=True)
    KINDS[kind](path)
    return path


# -- running the app in process ---------------------------------------------------------------------------


@pytest.fixture
def cli(hub: HubSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., CliResult]]:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_TOKEN", "HUGGINGFACE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HUBGATE_REGISTRY", raising=False)
    monkeypatch.setenv("HUBGATE_REGISTRY_CACHE", "off")
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(tmp_path / "hf-home" / "token"))
    monkeypatch.setattr(bounded, "FIFO_WAIT_SECONDS", 0.3)  # a FIFO nobody writes to: refused quickly
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    set_default_registry(None)

    def run(*args: str, stdin: bytes | None = None) -> CliResult:
        started = time.monotonic()
        outcome = CliRunner().invoke(app, list(args), input=stdin)
        assert time.monotonic() - started < SECONDS, f"{args} took {time.monotonic() - started:.1f} s"
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit), repr(outcome.exception)
        result = CliResult(outcome.exit_code, outcome.stdout, outcome.stderr)
        assert_no_token(result.stdout, result.stderr)
        return result

    yield run
    set_default_registry(None)


def ends_in_one_error(result: CliResult, *words: str) -> str:
    """Exit 2; stderr ends in exactly one `hubgate: error:` line and its hint; no traceback."""
    assert result.code == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("hubgate: error: ")]
    assert len(errors) == 1, result.stderr
    assert lines[-2:] == [errors[0], lines[-1]] and lines[-1].startswith("  hint: "), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return errors[0]


# -- each command, each kind of hostile file ---------------------------------------------------------------


@pytest.mark.parametrize("kind", (*YAML_KINDS[:-1],))  # -f lists may be 64 MiB: "huge" is tested below
def test_check_file_list(cli, hub: HubSim, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = hostile(kind, Path("models_config.yaml"))
    ends_in_one_error(cli("check", "-f", str(path)), str(path))
    assert hub.log == []


@pytest.mark.parametrize("kind", ("binary", "non-utf8"))
def test_check_stdin_list(cli, hub: HubSim, kind: str) -> None:  # type: ignore[no-untyped-def]
    data = Path("x")
    hostile(kind, data)
    ends_in_one_error(cli("check", "-f", "-", stdin=data.read_bytes()), "-f -")
    assert hub.log == []


@pytest.mark.parametrize("kind", (*TEXT_KINDS, "huge"))
def test_token_file(cli, hub: HubSim, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = hostile(kind, Path("tokens.txt"))
    ends_in_one_error(cli("check", GPT2, "--token-file", str(path)), f"--token-file {path}")
    assert hub.log == []


@pytest.mark.parametrize("kind", (*TEXT_KINDS, "huge"))
def test_stored_login_file(cli, hub: HubSim, kind: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile(kind, tmp_path / "hf-home" / "token")
    ends_in_one_error(cli("check", GPT2), "stored login", "hf auth login")
    assert hub.log == []


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_fit_with_a_hostile_gpu_file(cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    hostile(kind, Path("mine/gpus/evil.yaml"))
    ends_in_one_error(cli("fit", GPT2, "--registry", "mine"), "mine/gpus/evil.yaml", "GPU catalogue")


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_registry_list_with_a_hostile_entry(cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    hostile(kind, Path("mine/models/evil/model.yaml"))
    ends_in_one_error(cli("registry", "list", "--registry", "mine"), "mine/models/evil/model.yaml")


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_registry_validate_lists_a_hostile_entry_as_a_problem(cli, kind: str) -> None:  # type: ignore[no-untyped-def]
    hostile(kind, Path("mine/models/evil/model.yaml"))
    result = cli("registry", "validate", "mine")
    assert result.code == 1 and "Traceback" not in result.stderr  # validate's contract: problems, exit 1
    (problem,) = [line for line in result.stdout.splitlines() if "evil/model.yaml" in line]
    assert problem.startswith("mine/models/evil/model.yaml:")


@pytest.mark.parametrize("kind", TOML_KINDS)
@pytest.mark.parametrize("name", ["hubgate.toml", "pyproject.toml"])
def test_policy_file(cli, hub: HubSim, kind: str, name: str) -> None:  # type: ignore[no-untyped-def]
    hostile(kind, Path(name))
    ends_in_one_error(cli("policy", "show"), name)
    ends_in_one_error(cli("check", GPT2), name)  # check reads the policy before anything else
    assert hub.log == []


@pytest.mark.parametrize("kind", (*YAML_KINDS, "deep-toml"))
def test_request_answers_file(cli, hub: HubSim, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = hostile(kind, Path("answers.toml" if kind == "deep-toml" else "answers.yaml"))
    ends_in_one_error(cli("request", LLAMA2, "--answers", str(path), "--dry-run"), f"--answers {path}")
    assert hub.log == []


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_requests_users_file(cli, hub: HubSim, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = hostile(kind, Path("users.txt"))
    ends_in_one_error(cli("requests", "accept", LLAMA2, "-f", str(path), "--yes"), f"-f {path}")
    assert hub.log == []


def test_requests_users_on_stdin(cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    ends_in_one_error(cli("requests", "accept", LLAMA2, "-f", "-", "--yes", stdin=b"\x00" * 100), "-f -")
    ends_in_one_error(
        cli("requests", "accept", LLAMA2, "-f", "-", "--yes", stdin=b"x" * (17 * 2**20)), "larger than"
    )
    assert hub.log == []


@pytest.mark.parametrize("kind", YAML_KINDS)
def test_requests_rules_file(cli, hub: HubSim, kind: str) -> None:  # type: ignore[no-untyped-def]
    path = hostile(kind, Path("rules.yaml"))
    ends_in_one_error(cli("requests", "auto", LLAMA2, "--rules", str(path)), str(path))
    assert hub.log == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_token_fifo_with_a_writer_works(cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    """`--token-file <(pass show hf)`: the writer may come after hubgate opened the pipe."""
    fifo = Path("tokens.fifo")
    os.mkfifo(fifo)
    bounded_wait = 10.0

    def writer() -> None:
        time.sleep(0.2)
        with fifo.open("w") as out:
            out.write(f"laptop={ALICE}\n")

    thread = threading.Thread(target=writer)
    thread.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bounded, "FIFO_WAIT_SECONDS", bounded_wait)
        result = cli("check", LLAMA2, "--token-file", str(fifo), "--json")
    thread.join()
    assert result.code == 0, result.stderr
    assert [t["label"] for t in result.json()["tokens"]] == ["laptop"]
    assert result.json()["models"][0]["statuses"] == {"laptop": "granted"}


# -- damaged databases -------------------------------------------------------------------------------------


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "garbage":
        data = bytearray(os.urandom(len(data)))
    elif how == "flipped":  # the header survives; the pages after it do not
        for index in range(4096, len(data), 7):
            data[index] ^= 0x5A
    else:
        data = data[: len(data) // 3]
    path.write_bytes(bytes(data))
    for extra in path.parent.glob(path.name + "-*"):
        extra.write_bytes(os.urandom(4096))


@pytest.mark.parametrize("how", ["garbage", "flipped", "truncated"])
def test_a_damaged_metadata_cache_is_set_aside_and_the_next_run_works(
    run_process, tmp_path: Path, how: str
) -> None:  # type: ignore[no-untyped-def]
    """Separate processes, as separate runs are: SQLite maps the file's index in memory, and garbage
    written under a connection this process still holds would test SQLite, not hubgate."""
    cache = tmp_path / "metadata-cache"
    args = ("check", GPT2, LLAMA2, "--json")
    env = {"HF_TOKEN": ALICE, "HUBGATE_CACHE_DIR": str(cache)}
    assert run_process(*args, **env).code == 0
    _damage(cache / "metadata-v1.sqlite", how)

    first = run_process(*args, **env)
    assert first.code == 0 and "Traceback" not in first.stderr
    (note,) = first.stderr.splitlines()
    assert note.startswith("hubgate: note: the metadata cache") and "was damaged" in note
    assert [m["status"] for m in first.json()["models"]] == ["open", "granted"]
    (aside,) = cache.glob("metadata-v1.sqlite.corrupt-*")
    assert aside.name in note

    second = run_process(*args, **env)
    assert second.code == 0 and second.stderr == ""
    assert [m["cost"]["via"] for m in second.json()["models"]] == ["cache", "cache"]


@pytest.mark.parametrize("how", ["garbage", "flipped", "truncated"])
def test_a_damaged_watch_state_is_refused_until_the_user_moves_it(cli, tmp_path: Path, how: str) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "state" / "hubgate" / "watch.sqlite3"  # XDG_STATE_HOME
    ids = [GPT2, *(f"org/model-{n}" for n in range(60))]  # a few pages of verdicts
    assert cli("watch", *ids, "--token", ALICE).code in (0, 1)
    _damage(state, how)
    damaged = state.read_bytes()

    for _ in range(2):  # refused every time: the state is never replaced behind the user's back
        line = ends_in_one_error(cli("watch", GPT2, "--token", ALICE), str(state))
        assert "state database" in line or "not a hubgate state database" in line
        assert state.read_bytes() == damaged

    result = cli("watch", GPT2, "--token", ALICE)
    hint = result.stderr.splitlines()[-1]
    if "mv '" in hint:  # do what the hint says
        moved = hint.split("mv '", 1)[1].split("' '")[1].split("'")[0]
        os.rename(state, moved)
    else:  # not SQLite any more: the hint says to keep the state elsewhere or move it
        os.rename(state, f"{state}.damaged")
    again = cli("watch", GPT2, "--token", ALICE)
    assert again.code == 0, again.stderr
    assert "First check" in again.stdout


def test_an_uncreatable_state_folder_is_one_line(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("XDG_STATE_HOME points at a file")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    ends_in_one_error(cli("watch", GPT2), "cannot create the state folder", "XDG_STATE_HOME")
    assert blocker.read_text() == "XDG_STATE_HOME points at a file"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_state_home_is_one_line(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setenv("XDG_STATE_HOME", str(locked))
    try:
        ends_in_one_error(cli("watch", GPT2), "state")
    finally:
        locked.chmod(0o700)


# -- the process: stdout on a full disk or a closed pipe, closed descriptors -------------------------------


def _hubgate(
    hub: HubSim, tmp_path: Path, *args: str, stdout: object = subprocess.PIPE, shell_suffix: str = ""
) -> CliResult:
    env = clean_env(hub.url, tmp_path, HUBGATE_CACHE_DIR=str(tmp_path / "cache"))
    command = [sys.executable, "-m", "hubgate", *args]
    if shell_suffix:
        quoted = " ".join(f"'{part}'" for part in command)
        command = ["bash", "-c", f"{quoted} {shell_suffix}"]
    proc = subprocess.run(
        command, stdout=stdout, stderr=subprocess.PIPE, cwd=tmp_path, env=env, timeout=60, check=False
    )
    out = proc.stdout.decode() if isinstance(proc.stdout, bytes) else ""
    return CliResult(proc.returncode, out, proc.stderr.decode())


FULL_DISK_RUNS = [
    ("check", GPT2, "--json"),
    ("check", GPT2),
    ("registry", "list"),
    ("registry", "list", "--format", "json"),
    ("policy", "show"),
    ("fit", "--list-gpus"),
    ("watch", GPT2, "--state", "state.db"),
    ("--version",),
]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("args", FULL_DISK_RUNS, ids=[" ".join(a[:2]) for a in FULL_DISK_RUNS])
def test_stdout_on_a_full_disk_is_one_line(hub: HubSim, tmp_path: Path, args: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        result = _hubgate(hub, tmp_path, *args, stdout=full)
    ends_in_one_error(result, "cannot write the output", "No space left on device", "disk")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_output_file_on_a_full_disk_is_one_line(cli, hub: HubSim) -> None:  # type: ignore[no-untyped-def]
    # Through a link of our own: code that renamed over its target would replace the link, never the
    # machine's /dev/full (as it did, run as root, before -o wrote devices in place).
    Path("report.json").symlink_to("/dev/full")
    ends_in_one_error(
        cli("check", GPT2, "--json", "-o", "report.json"), "--output report.json", "report is lost"
    )
    assert Path("report.json").is_symlink() and not list(Path().glob(".report.json.*"))


def test_a_reader_that_stops_reading_ends_the_run_quietly(hub: HubSim, tmp_path: Path) -> None:
    env = clean_env(hub.url, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubgate", "registry", "list", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| true`: the reader is gone before the first line (pipe buffers vary in size)
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert stderr == ""


def test_a_closed_stdout_is_one_line(hub: HubSim, tmp_path: Path) -> None:
    ends_in_one_error(_hubgate(hub, tmp_path, "check", GPT2, "--json", shell_suffix=">&-"), "closed")


def test_closed_stdin(hub: HubSim, tmp_path: Path) -> None:
    for args in (("requests", "accept", LLAMA2, "-f", "-", "--yes"), ("check", "-f", "-")):
        result = _hubgate(hub, tmp_path, *args, shell_suffix="<&-")
        ends_in_one_error(result, "-f -: standard input is closed")
    assert hub.log == []
    # A command that only asks stdin whether it is a terminal runs as without one.
    result = _hubgate(hub, tmp_path, "request", GPT2, "--dry-run", "--format", "json", shell_suffix="<&-")
    assert result.code == 0 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(result.stdout)["dry_run"] is True


def test_end_of_input_at_a_prompt_is_one_line(hub: HubSim, tmp_path: Path) -> None:
    (tmp_path / "users.txt").write_text("alice\n")
    args = ["requests", "accept", LLAMA2, "-f", "users.txt", "--token", DAVE]
    result = run_on_a_terminal(args, "\x04", cwd=tmp_path, env=clean_env(hub.url, tmp_path))  # Ctrl-D
    assert result.code == 130 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "hubgate: stopped at a prompt (end of input or Ctrl-C); nothing more was done"
    )
    assert not [entry for entry in hub.log if entry.method == "POST"]


def test_an_alias_bomb_costs_the_process_one_line(hub: HubSim, tmp_path: Path) -> None:
    """The process as a whole: seconds and little memory, where it used to take 45 s and 4 GB."""
    (tmp_path / "models_config.yaml").write_text(ALIAS_BOMB)
    started = time.monotonic()
    result = _hubgate(hub, tmp_path, "check", "-f", "models_config.yaml")
    assert time.monotonic() - started < 20
    ends_in_one_error(result, "models_config.yaml", "alias")
    assert hub.log == []


def test_a_damaged_watch_state_is_never_opened_for_writing(tmp_path: Path) -> None:
    """The refusal happens before SQLite may write: no journal, no WAL beside the damaged file."""
    from hubgate.watch.state import StateError, StateStore

    state = tmp_path / "watch.sqlite3"
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE t (x)")
    state.write_bytes(state.read_bytes()[:100] + os.urandom(4000))
    with pytest.raises(StateError) as caught:
        StateStore(state)
    assert caught.value.hint and "\n" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["watch.sqlite3"]

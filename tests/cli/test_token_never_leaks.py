"""A token never leaves the process where it does not belong: not typed in the wrong place (an id, a
revision, an author, a GPU, a budget...), not echoed by a hostile Hub (file names, a licence), not written
in scanned code. Each case runs the real CLI (`python -m hubgate`) against the loopback Hub and looks at
every byte it left: stdout, stderr, every file under the test's home (reports written with -o, the
metadata cache, the watch state) and every request URL the Hub logged."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from hubgate.hub.token import in_request
from hubgate.inputs.secrets import MARKER, ScrubbedStream, hold, scrub
from hubgate.render import FORMATS
from hubgate.testhub import HubSim, Repo, Token
from tests.conftest import ALICE, GPT2, LLAMA2, CliResult

# A token not shaped like a Hub token: only its being held by the process can catch it.
PLAIN = "s3cret-Plain-Value-9x"
HOSTILE = "lab/hostile"
HOSTILE_LICENCE = "lab/hostile-licence"


def assert_nowhere(
    secret: str, result: CliResult, home: Path, hub: HubSim, *, skip: Path | None = None
) -> None:
    """No copy of `secret`, in any letter case, in the output, the files under `home`, or a request URL."""
    needle = secret.lower()
    assert needle not in result.stdout.lower(), result.stdout
    assert needle not in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for path in home.rglob("*"):
        if path.is_file() and (skip is None or skip not in path.parents):
            assert needle.encode() not in path.read_bytes().lower(), f"the token is in {path}"
    for entry in hub.log:
        assert needle not in f"{entry.path}?{entry.query}".lower(), f"sent in a URL: {entry.path}"


# Every place the issue found a token echoed or sent; {T} is the token as typed.
POSITIONS = {
    "id": ["check", "{T}"],
    "id@rev": ["check", "gpt2@{T}"],
    "--revision": ["check", "gpt2", "--revision", "{T}"],
    "--author": ["check", "--author", "{T}"],
    "fit id": ["fit", "{T}"],
    "fit --gpu": ["fit", "gpt2", "--gpu", "{T}"],
    "registry show": ["registry", "show", "{T}"],
    "registry verify": ["registry", "verify", "{T}"],
    "check --gpu": ["check", "gpt2", "--gpu", "{T}"],
    "--budget": ["check", "gpt2", "--budget", "{T}"],
    "--fail-on": ["check", "gpt2", "--fail-on", "{T}"],
    "request": ["request", "{T}"],
    "requests list": ["requests", "list", "{T}"],
    "requests accept user": ["requests", "accept", LLAMA2, "{T}"],
    "-o json": ["check", "gpt2", "gpt2@{T}", "--format", "json", "-o", "report.json"],
    "-o sarif": ["check", "gpt2", "{T}", "--format", "sarif", "-o", "report.sarif"],
    "watch": ["watch", "gpt2", "gpt2@{T}", "--state", "watch.sqlite3"],
}
# (the token the process holds, as typed on the command line): Hub-shaped, and any shape typed in
# another letter case.
TOKENS = {"hub-shaped": (ALICE, ALICE), "any-shape-other-case": (PLAIN, PLAIN.swapcase())}


@pytest.mark.parametrize("token", TOKENS.values(), ids=TOKENS.keys())
@pytest.mark.parametrize("args", POSITIONS.values(), ids=POSITIONS.keys())
def test_a_token_typed_in_the_wrong_place_is_never_echoed_nor_sent(
    run_cli, hub: HubSim, tmp_path: Path, args: list[str], token: tuple[str, str]
) -> None:
    held, typed = token
    result = run_cli(*(arg.replace("{T}", typed) for arg in args), HF_TOKEN=held)
    assert result.code in (0, 1, 2, 3)
    assert_nowhere(held, result, tmp_path, hub)
    if args[0] == "check" and "-o" in args:
        assert (tmp_path / args[-1]).exists()  # the report was written, and holds no token


@pytest.mark.parametrize(
    ("args", "usage_error"),
    [
        (["check", "gpt2", "--revision", "{T}"], True),
        (["check", "--author", "{T}"], True),
        (["check", "gpt2", "{T}@main"], False),  # an entry: `invalid`, and the other entries are checked
    ],
    ids=["--revision", "--author", "id@rev"],
)
def test_a_token_shaped_author_or_revision_is_refused_before_any_request(
    run_cli, hub: HubSim, args: list[str], usage_error: bool
) -> None:
    result = run_cli(*(arg.replace("{T}", ALICE) for arg in args), HF_TOKEN=ALICE)
    if usage_error:
        assert result.code == 2 and "looks like an access token" in result.stderr
        assert hub.log == []
    else:
        assert result.code == 1 and "invalid" in result.stdout and "open" in result.stdout
        assert all("hf_" not in entry.path.lower() for entry in hub.log)


@pytest.mark.parametrize(
    ("args", "env", "problem"),
    [
        (["check", "gpt2", "--token", ""], {}, "--token is empty"),
        (["check", "gpt2", "--author", ""], {"HF_TOKEN": ALICE}, "--author is empty"),
        (
            ["watch", "gpt2", "--state", "w.sqlite3", "--on-change", ""],
            {"HF_TOKEN": ALICE},
            "--on-change is empty",
        ),
        (["check", "gpt2", "--token", f"{ALICE}\n{ALICE}"], {}, "from --token has a line break"),
        (["check", "gpt2"], {"HF_TOKEN": f"{ALICE}\nsecond-line"}, "from HF_TOKEN has a line break"),
        (["check", "gpt2", "--token", f"{ALICE} {ALICE}"], {}, "from --token has a space"),
    ],
    ids=[
        "empty --token",
        "empty --author",
        "empty --on-change",
        "newline --token",
        "newline HF_TOKEN",
        "space",
    ],
)
def test_unusable_values_are_one_line_exit_2_before_any_request(
    run_cli, hub: HubSim, tmp_path: Path, args: list[str], env: dict[str, str], problem: str
) -> None:
    result = run_cli(*args, **env)
    assert result.code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("hubgate: error: ") and problem in lines[0]
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  hint: "))
    assert result.stdout == "" and hub.log == []  # before: retried 5 times per repo with a broken header
    assert_nowhere(ALICE, result, tmp_path, hub)


def _hostile(hub: HubSim, token: str) -> None:
    """A Hub that echoes the token in file names (pickle-only weights), as a licence tag (which hubgate
    lower-cases) and as a licence name, in several letter cases."""
    hub.add_repo(
        Repo(
            HOSTILE,
            card_data={"license": token.upper()},
            files={
                "README.md": 100,
                "config.json": 600,
                f"pytorch_model-{token}.bin": 500_000_000,
                f"{token.lower()}/weights.bin": 10,
            },
        )
    )
    hub.add_repo(Repo(HOSTILE_LICENCE, card_data={"license": "other", "license_name": token.lower()}))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_hostile_hub_cannot_make_hubgate_print_or_store_the_token(
    run_cli, hub: HubSim, tmp_path: Path, fmt: str
) -> None:
    _hostile(hub, ALICE)
    for _ in range(2):  # the second run takes the commit-bound facts from the metadata cache
        result = run_cli(
            "check", HOSTILE, HOSTILE_LICENCE, GPT2, "--format", fmt, "-o", f"report.{fmt}", "--token", ALICE
        )
        assert result.code == 0, result.stderr  # findings only: not failing by default
        assert_nowhere(ALICE, result, tmp_path, hub)
        assert "pickle" in result.stdout and "license" in result.stdout and MARKER in result.stdout
    assert (tmp_path / f"report.{fmt}").exists()
    assert any(path.name.startswith("metadata-v") for path in tmp_path.rglob("*"))


def test_a_hostile_hub_cannot_echo_a_token_of_any_shape(run_cli, hub: HubSim, tmp_path: Path) -> None:
    hub.add_token(Token(PLAIN, "paula", role="read"))
    _hostile(hub, PLAIN)
    for _ in range(2):
        result = run_cli("check", HOSTILE, HOSTILE_LICENCE, "--json", "--token", PLAIN)
        assert_nowhere(PLAIN, result, tmp_path, hub)
        kinds = {finding["kind"] for model in result.json()["models"] for finding in model["findings"]}
        assert kinds >= {"pickle", "license"}


SOURCES = {
    "app.py": (
        "from transformers import AutoModel\n"
        'TOKEN = "{T}"\n'
        'AutoModel.from_pretrained("{T}")\n'
        "AutoModel.from_pretrained(TOKEN)\n"
        'AutoModel.from_pretrained(f"{T}/{name}")\n'
        'AutoModel.from_pretrained("gpt2", token="{T}")\n'
    ),
    "run.sh": "huggingface-cli download {T}\nhf download openai-community/gpt2 --token {T}\n",
    "config.yaml": "model: {T}\nbase_model: google-bert/bert-base-uncased\n",
}


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "code"],
        ["scan", "code", "--format", "json"],
        ["scan", "code", "--format", "cyclonedx"],
        ["scan", "code", "--format", "json", "-o", "scan.json"],
        ["check", "--scan", "code"],
        ["check", "--scan", "code", "--format", "sarif"],
    ],
    ids=["scan table", "scan json", "scan cyclonedx", "scan -o", "check --scan", "check --scan sarif"],
)
def test_a_token_in_scanned_code_is_no_repo_id_and_is_scrubbed_from_dynamic_values(
    run_cli, hub: HubSim, tmp_path: Path, args: list[str]
) -> None:
    """The decision: a token-shaped literal is not listed at all as a repo id (it names no repo), and a
    dynamic value built around one is listed with the token written `hf_***`."""
    code = tmp_path / "code"
    code.mkdir()
    for name, text in SOURCES.items():
        (code / name).write_text(text.replace("{T}", ALICE))
    result = run_cli(*args)
    assert_nowhere(ALICE, result, tmp_path, hub, skip=code)
    if args[-1] == "json" and args[0] == "scan":
        data = result.json()
        assert {repo["id"] for repo in data["repos"]} == {
            "gpt2",
            "openai-community/gpt2",
            "google-bert/bert-base-uncased",
        }
        assert [d["expression"] for d in data["dynamic"]] == ["f'hf_***/{name}'"]


# -- the scrubber itself ------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", range(0, len(ALICE) + 1, 5))
@pytest.mark.parametrize("case", [str, str.lower, str.upper], ids=["as-is", "lower", "upper"])
def test_a_token_written_in_two_pieces_is_still_caught(cut: int, case) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    stream = ScrubbedStream(out)  # type: ignore[arg-type]
    token = case(ALICE)
    stream.write(f"unknown GPU '{token[:cut]}")
    stream.write(f"{token[cut:]}'\n")
    stream.flush()
    assert out.getvalue() == f"unknown GPU '{MARKER}'\n"


def test_held_values_are_scrubbed_in_any_case_and_short_ones_are_not_held() -> None:
    hold("0123456789-held-only")
    hold("short")
    text = "a 0123456789-HELD-ONLY b 0123456789-held-only c short"
    assert scrub(text) == f"a {MARKER} b {MARKER} c short"
    out = io.StringIO()
    stream = ScrubbedStream(out)  # type: ignore[arg-type]
    stream.write("x 0123456789-")  # a held value's start stays back until the rest shows
    assert out.getvalue() == "x "
    stream.write("Held-Only y\n")
    assert out.getvalue() == f"x {MARKER} y\n"
    stream.write("no newline at the end")
    stream.flush()
    assert out.getvalue().endswith("no newline at the end")


def test_words_like_hf_transfer_are_left_alone() -> None:
    text = "set HF_HUB_ENABLE_HF_TRANSFER=1 and pip install hf_transfer"
    assert scrub(text) == text


def test_no_request_carries_a_token_in_its_url(hub: HubSim) -> None:
    """The last guard in the one Hub service: whatever builds the URL, such a request is never sent."""
    from hubgate.hub.service import HubService

    assert in_request("https://hf.co/api/models", [("author", ALICE.lower())])
    service = HubService(hub.url, ALICE)
    answer = service.get("/api/models", params=[("author", ALICE)])
    assert answer.status is None and "would carry an access token" in (answer.failure or "")
    assert ALICE not in (answer.failure or "")
    assert service.get(f"/api/models/{GPT2}/revision/{ALICE}").status is None
    assert hub.log == []


def test_watch_state_rows_and_notification_bodies_are_scrubbed(tmp_path: Path) -> None:
    """What the Hub answered can carry a token into a verdict; the state file and the webhook body
    (queued in the outbox) never get it."""
    from hubgate.verdicts.verdict import Status, Verdict
    from hubgate.watch.state import StateStore

    def verdict(status: Status) -> Verdict:
        return Verdict(
            input=f"lab/x-{ALICE.lower()}",
            model_id=f"lab/x-{ALICE}",
            status=status,
            message="m",
            url=f"https://hf.co/lab/x-{ALICE}",
            next_step=f"ask {ALICE.upper()}",
        )

    store = StateStore(tmp_path / "state.sqlite3")
    target = "--on-change command"
    payload = lambda changes: {"changes": [c.as_json() for c in changes], "text": ALICE}  # noqa: E731
    store.record("alice", "https://hf.co", [verdict(Status.PENDING)], targets=[target], payload_for=payload)
    store.record("alice", "https://hf.co", [verdict(Status.GRANTED)], targets=[target], payload_for=payload)
    (queued,) = store.pending(target)
    store.mark(queued, delivered=False, error=f"exit 1 {ALICE}")
    store.close()
    assert MARKER in queued.payload and ALICE.lower() not in queued.payload.lower()
    json.loads(queued.payload)  # still JSON
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in tmp_path.iterdir():
        assert ALICE.lower().encode() not in path.read_bytes().lower()

"""Never stall, never leak, never a false all-clear: the check core against a hostile test Hub.

Each test reproduces a defect of issue 11 on the loopback Hub and keeps it fixed. Wall-clock bounds here
are computed from the delays injected (a run must not outlast them by much), not speed claims.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from hubgate.check.api import check_model_access
from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.pacing import PACE, RatePacer
from hubgate.hub.service import HubService
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.refs import RepoRef
from hubgate.testhub import HubSim, Repo
from tests.conftest import (
    ALICE,
    BERT,
    GEMMA,
    GPT2,
    LLAMA2,
    MISTRAL,
    PHI3,
    CliResult,
    assert_no_token,
    clean_env,
)

LIMITED = "limited/model"
FAST = RetryPolicy(retries=2, base_wait=0.01, timeout=2)


def run(hub: HubSim, ids: list[str], *, policy: RetryPolicy = FAST, token: str | None = ALICE, **kw):  # type: ignore[no-untyped-def]
    refs = [RepoRef(i, "model", i) for i in ids]
    pacer = kw.pop("pacer", None)
    session = open_session(ResolvedToken(token, "test"), endpoint=hub.url, policy=policy, pacer=pacer)
    return run_check(session, refs, **kw)


def statuses(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {v.input: v.status.value for v in report.verdicts}


def timed(run_cli, *args: str, **env: str) -> tuple[CliResult, float]:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    result = run_cli(*args, **env)
    return result, time.monotonic() - start


def one_line_error(result: CliResult, *words: str) -> None:
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("hubgate: error: "), result.stderr
    assert len([line for line in lines if not line.startswith("  hint:")]) == 1, result.stderr
    for word in words:
        assert word in result.stderr


# -- rate limits: waits are bounded, announced and never inherited from an old window ------------------


def test_one_429_does_not_freeze_the_run_for_the_old_window(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.add_repo(Repo(LIMITED))
    hub.set_quota("api", 1000, window=300)  # earlier answers announce a reset about 300 s away
    hub.inject(
        f"^/api/models/{LIMITED}$",
        "status",
        status=429,
        retry_after=1,
        headers={"RateLimit": '"api";r=0;t=1'},
    )
    result, elapsed = timed(run_cli, "check", LIMITED, "--format", "json", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    assert result.json()["models"][0]["status"] == "open"
    assert elapsed < 15  # the 429's own second, never the 300 s the older answers announced


def test_a_wait_over_two_seconds_is_announced_once_on_stderr_in_every_format(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.inject(f"^/api/models/{BERT}$", "status", status=429, retry_after=3)
    result = run_cli("check", BERT, PHI3, "--format", "json", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    waits = [line for line in result.stderr.splitlines() if line.startswith("hubgate: waiting")]
    assert len(waits) == 1, result.stderr
    assert "3 s" in waits[0] and "api" in waits[0] and "429" in waits[0]
    assert {m["status"] for m in result.json()["models"]} == {"open"}


def test_a_retry_after_beyond_max_wait_becomes_error_verdicts_at_once(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.inject(r"^/api/models/", "status", status=429, retry_after=3600, times=100)
    result, elapsed = timed(
        run_cli, "check", BERT, PHI3, "--max-wait", "5", "--format", "json", HF_TOKEN=ALICE
    )
    assert result.code == 3
    models = result.json()["models"]
    assert {m["status"] for m in models} == {"error"}
    assert all("longer than --max-wait 5 s" in m["message"] for m in models)
    assert elapsed < 20  # no attempt slept the 3600 s (nor the old 330 s cap)


def test_owner_requests_give_up_on_a_retry_after_beyond_max_wait(hub: HubSim) -> None:
    from hubgate.hub.service import HubService
    from hubgate.owner.client import OwnerClient, Target

    hub.inject("user-access-request/handle", "status", status=429, retry_after=3600, times=10)
    slept: list[float] = []
    policy = RetryPolicy(retries=3, max_server_wait=60)
    owner = OwnerClient(HubService(hub.url, ALICE, policy=policy, sleep=slept.append), LLAMA2)
    result = owner.act("accept", Target(user="alice"))
    assert result.outcome == "error"
    assert result.problem is not None and "longer than --max-wait 60 s" in result.problem.message
    assert slept == []


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a 429 from another limiter, with no header at all
        {"RateLimit": "garbage;;r=x"},  # malformed
        {"RateLimit": ['"api";r=5;t=1', '"api";r=0;t=1']},  # repeated, disagreeing
    ],
    ids=["no-headers", "malformed", "repeated"],
)
def test_429_variants_never_stall(hub: HubSim, headers: dict) -> None:  # type: ignore[type-arg]
    hub.inject(f"^/api/models/{BERT}$", "status", status=429, headers=headers, no_ratelimit=True, times=2)
    start = time.monotonic()
    report = run(hub, [BERT, GPT2], policy=RetryPolicy(retries=3, base_wait=0.05, timeout=2))
    assert statuses(report) == {BERT: "open", GPT2: "open"}
    assert time.monotonic() - start < 10


def test_pacer_state_from_a_repeated_header_is_the_most_cautious_item() -> None:
    now = [0.0]
    pacer = RatePacer(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    pacer.after_response({"RateLimit": '"api";r=5;t=30, "api";r=0;t=2'})
    assert pacer.remaining("api") == 0
    pacer.before_request("api")
    assert now[0] == 2.0  # waited for the cautious item's own reset, not longer


def test_a_ratelimit_header_that_never_counts_down_never_stalls_the_run(hub: HubSim) -> None:
    """Issue 23: a proxy in front of the Hub replays `r=3;t=200` on every answer. The pacer counted its own
    requests, found the quota spent after three and waited out the 200 s window (here: past --max-wait,
    so every later repo became an error), although the Hub never refused anything."""
    ids = [hub.add_repo(Repo(f"solo-{index:02d}/model")).id for index in range(20)]
    hub.set_static_ratelimit("api", 3, 200)
    pacer = RatePacer(max_wait=5)
    report = run(
        hub, ids, policy=RetryPolicy(retries=2, base_wait=0.01, timeout=2, max_server_wait=5), pacer=pacer
    )
    assert set(statuses(report).values()) == {"open"}
    assert hub.count(status=429) == 0
    assert pacer.waited_seconds <= PACE  # at most one short pace, until an answer shows it does not count


# -- answers that are valid HTTP but not a Hub ----------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{}, b"null", [], {"id": 3}, {"id": BERT}], ids=["{}", "null", "[]", "bad-id", "no-gated"]
)
def test_a_200_that_is_not_a_repo_description_is_an_error_never_open(hub: HubSim, body: object) -> None:
    hub.inject(r"^/api/models/", "body", body=body, times=100)
    report = run(hub, [BERT, PHI3])
    assert statuses(report) == {BERT: "error", PHI3: "error"}
    assert all("not a Hub answer" in v.message for v in report.verdicts)


def test_whoami_200_without_an_account_does_not_count_as_a_valid_token(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.inject(r"^/api/whoami-v2$", "body", body={})
    result = run_cli("check", BERT, "--format", "json", HF_TOKEN=ALICE)
    data = result.json()
    assert data["token"]["valid"] is None
    assert data["models"][0]["status"] == "open"


def test_a_redirect_loop_on_the_access_probe_is_an_error_not_granted(hub: HubSim) -> None:
    hub.inject(r"/resolve/", "redirect", times=100)
    report = run(hub, [LLAMA2])
    assert statuses(report) == {LLAMA2: "error"}
    assert "redirect loop" in report.verdicts[0].message


def test_a_probe_answer_without_the_hubs_file_headers_is_an_error(hub: HubSim) -> None:
    hub.inject(r"/resolve/", "body", body=None, times=100)
    report = run(hub, [LLAMA2])
    assert statuses(report) == {LLAMA2: "error"}
    assert "not an answer from a Hugging Face Hub" in report.verdicts[0].message


def test_a_redirect_loop_on_whoami_is_no_traceback(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.inject(r"^/api/whoami-v2$", "redirect", times=100)
    result = run_cli("check", BERT, "--format", "json", HF_TOKEN=ALICE)
    assert "Traceback" not in result.stderr
    assert result.json()["models"][0]["status"] == "open"


# -- slow, trickling and silent Hubs: --timeout is a deadline for a whole request -----------------------


def test_a_trickling_body_is_cut_at_the_request_timeout(hub: HubSim) -> None:
    hub.inject(f"^/api/models/{BERT}$", "trickle", delay=0.3, times=10)
    start = time.monotonic()
    report = run(hub, [BERT], policy=RetryPolicy(retries=1, base_wait=0.01, timeout=1))
    elapsed = time.monotonic() - start
    assert statuses(report) == {BERT: "error"}
    assert "no complete answer within 1 s" in report.verdicts[0].message
    assert elapsed < 5  # two attempts of one second, not 0.3 s x every byte of the body


def test_a_hub_that_accepts_and_never_answers_ends_quickly(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.inject(r".*", "hang", times=10_000)
    ids = [f"org/model-{n}" for n in range(14)]
    result, elapsed = timed(run_cli, "check", *ids, "--timeout", "1", "--format", "json", HF_TOKEN=ALICE)
    assert result.code == 3
    models = result.json()["models"]
    assert len(models) == 14 and {m["status"] for m in models} == {"error"}
    assert all("accepted connections but never answered" in m["message"] for m in models)
    assert elapsed < 15  # two silent seconds settle it; the old path took about 4 minutes


def test_the_run_deadline_bounds_the_whole_run(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    hub.latency = 0.4
    ids = [f"org/model-{n}" for n in range(30)]
    result, elapsed = timed(
        run_cli, "check", *ids, "--deadline", "2", "--jobs", "2", "--format", "json", HF_TOKEN=ALICE
    )
    models = result.json()["models"]
    assert len(models) == 30
    late = [m for m in models if m["status"] == "error"]
    assert late and all("--deadline" in m["message"] for m in late)
    assert elapsed < 8


def test_python_api_on_an_unreachable_endpoint_is_quick_and_speaks_python() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    start = time.monotonic()
    verdict = check_model_access("org/model", token=ALICE, endpoint=dead)
    assert time.monotonic() - start < 3
    assert verdict.status.value == "error"
    assert f"cannot connect to {dead}" in verdict.message
    assert "earlier in this run" not in verdict.message


def test_python_api_next_steps_name_python_arguments_not_cli_options(hub: HubSim) -> None:
    verdict = check_model_access("nobody/nothing", token=ALICE, endpoint=hub.url)
    assert verdict.status.value == "not-found"
    assert verdict.next_step is not None
    assert "repo_type='dataset'" in verdict.next_step and "--" not in verdict.next_step


# -- hostile input: one clear line, never a traceback, never a leak -------------------------------------


@pytest.mark.parametrize("value", ["hf-mirror.com", "ftp://x", "not a url", "http://[::1"])
@pytest.mark.parametrize(
    "command",
    [
        ("check", GPT2),
        ("fit", GPT2),
        ("watch", GPT2),
        ("requests", "list", LLAMA2),
        ("registry", "verify", "mistral_7b"),
    ],
    ids=lambda c: c[0] if isinstance(c, tuple) else c,
)
def test_a_bad_hf_endpoint_is_one_line_in_every_command(
    run_cli, value: str, command: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*command, HF_ENDPOINT=value, HF_TOKEN=ALICE)
    one_line_error(result, "HF_ENDPOINT")


def test_commands_that_never_talk_to_the_hub_ignore_a_bad_hf_endpoint(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "train.py").write_text('from_pretrained("org/model")\n')
    assert run_cli("registry", "show", "mistral_7b", HF_ENDPOINT="hf-mirror.com").code == 0
    assert run_cli("scan", str(tmp_path), HF_ENDPOINT="hf-mirror.com").code == 0


def test_a_token_given_as_an_input_is_never_echoed_nor_sent(hub: HubSim, run_cli) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("table", "json", "github", "junit", "markdown"):
        result = run_cli("check", ALICE, GPT2, "--format", fmt, HF_TOKEN=ALICE)
        assert_no_token(result.stdout, result.stderr)
        if fmt != "markdown":  # the markdown table has no message column
            assert "looks like an access token" in result.stdout
    assert all(ALICE not in entry.path and ALICE not in entry.query for entry in hub.log)


def test_control_characters_make_an_entry_invalid_and_never_reach_the_output(
    hub: HubSim, run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "ids.txt"
    listing.write_text("org/na\x1b[2Jme\nevil/\u202emodel\nnul/mo\x00del\n" + GPT2 + "\n", encoding="utf-8")
    for fmt in ("table", "json", "github", "junit", "markdown", "quiet"):
        result = run_cli("check", "-f", str(listing), "--format", fmt)
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout and "\x00" not in result.stdout
        if fmt == "junit":
            ET.fromstring(result.stdout)  # well-formed
        if fmt == "json":
            statuses_ = [m["status"] for m in result.json()["models"]]
            assert statuses_ == ["invalid", "invalid", "invalid", "open"]
    assert not any("\x1b" in entry.path or "%1B" in entry.path for entry in hub.log)


def test_closed_stdin_is_one_line(hub: HubSim, tmp_path: Path) -> None:
    proc = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m hubgate check -f - <&-'],
        capture_output=True,
        text=True,
        env=clean_env(hub.url, tmp_path),
        timeout=60,
    )
    one_line_error(CliResult(proc.returncode, proc.stdout, proc.stderr), "standard input is closed")


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_a_timeout_that_is_not_a_finite_number_is_one_line(run_cli, value: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", GPT2, "--timeout", value)
    assert result.code == 2 and "Traceback" not in result.stderr


def test_a_binary_token_file_is_one_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    binary = tmp_path / "tokens.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    one_line_error(run_cli("check", GPT2, "--token-file", str(binary)), "not a text file of tokens")


def test_an_oversized_input_is_refused_before_any_request(hub: HubSim, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "huge.txt"
    listing.write_text("".join(f"org/model-{n}\n" for n in range(100_001)))
    one_line_error(run_cli("check", "-f", str(listing)), "more than 100,000 entries")
    assert hub.log == []


def test_output_into_a_directory_fails_before_any_request(hub: HubSim, run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one_line_error(run_cli("check", GPT2, "--format", "json", "-o", str(tmp_path)), "is a directory")
    assert hub.log == []


@pytest.mark.parametrize(
    "url",
    ["hooks.example.com/services/SECRETPATH", "file:///etc/SECRETPATH", "http://[::1/SECRETPATH"],
    ids=["no-scheme", "file", "bad-ipv6"],
)
def test_a_bad_notify_url_is_one_line_that_never_prints_the_url(run_cli, tmp_path: Path, url: str) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "state.db"
    result = run_cli("watch", GPT2, "--state", str(state), "--notify-url", url)
    one_line_error(result, "--notify-url")
    assert "SECRETPATH" not in result.stderr + result.stdout
    assert not state.exists()  # refused before the state was written


def test_a_damaged_state_database_is_one_line(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state = tmp_path / "state.db"
    ids = [f"org/model-{n}" for n in range(200)]
    assert run_cli("watch", GPT2, *ids, "--state", str(state)).code in (0, 1)
    data = bytearray(state.read_bytes())
    assert len(data) > 3 * 4096
    data[2 * 4096 : 2 * 4096 + 512] = b"\xff" * 512  # one corrupted page, header intact
    state.write_bytes(bytes(data))
    one_line_error(run_cli("watch", GPT2, "--state", str(state)), "damaged")


# -- organization token policies (docs/hub.md, "Tokens") ---------------------------------------------


def test_org_policies_are_token_scope_with_the_right_next_step(hub: HubSim) -> None:
    from hubgate.testhub import OrgPolicy, Token

    fine = "hf_" + "FrankFineGrained" * 3
    hub.add_repo(Repo("corp/model"))
    hub.add_token(Token(fine, "frank", role="fineGrained", can_read_gated=True, orgs=("corp",)))
    policy = hub.add_org(OrgPolicy("corp", require_approval=True, message="Your token is pending approval."))
    report = run(hub, ["corp/model"], token=fine)
    verdict = report.verdicts[0]
    assert verdict.status.value == "token-scope"
    assert (
        "admin of corp" in (verdict.next_step or "") and "Your token is pending approval." in verdict.message
    )
    assert "request access" not in (verdict.next_step or "").lower().replace("requesting access", "")
    policy.approvals[fine] = "approved"
    assert statuses(run(hub, ["corp/model"], token=fine)) == {"corp/model": "open"}
    policy.require_approval, policy.fine_grained_only, policy.message = False, True, ""
    hub.add_token(Token(ALICE, "alice", role="read", orgs=("acme", "corp")))
    verdict = run(hub, ["corp/model"]).verdicts[0]
    assert verdict.status.value == "token-scope"
    assert "fine-grained token" in (verdict.next_step or "")


# -- Ctrl-C and concurrent watch runs --------------------------------------------------------------------


def _start_cli(hub: HubSim, home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hubgate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(hub.url, home, HF_TOKEN=ALICE),
        # A suite started in the background of a non-interactive shell inherits SIGINT ignored, and
        # Python then never installs its Ctrl-C handler: the child gets the default, as on a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.parametrize("command", ["check", "watch"])
def test_ctrl_c_stops_at_once_with_exit_130_and_no_report(hub: HubSim, tmp_path: Path, command: str) -> None:
    state = tmp_path / "state.db"
    extra = ["--state", str(state)] if command == "watch" else []
    if command == "watch":
        assert subprocess.run(
            [sys.executable, "-m", "hubgate", "watch", GPT2, *extra],
            env=clean_env(hub.url, tmp_path, HF_TOKEN=ALICE),
            capture_output=True,
            timeout=60,
        ).returncode in (0, 1)
        before = state.read_bytes()
    hub.inject(r"^/api/models/", "status", status=429, retry_after=50, times=100)
    proc = _start_cli(hub, tmp_path, command, BERT, PHI3, GEMMA, "--max-wait", "100", *extra)
    deadline = time.monotonic() + 30
    while hub.count(status=429) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 3
    assert out == ""  # partial results are never printed as a report
    assert "interrupted" in err and "Traceback" not in err
    if command == "watch":
        assert state.read_bytes() == before


class _SlowReceiver(BaseHTTPRequestHandler):
    posts: ClassVar[list[bytes]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(1.0)  # a slow receiver keeps the delivery open while the other runs overlap
        with self.lock:
            self.posts.append(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_overlapping_watch_runs_deliver_each_change_exactly_once(hub: HubSim, tmp_path: Path) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _SlowReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    _SlowReceiver.posts = []
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    state = tmp_path / "state.db"
    env = clean_env(hub.url, tmp_path, HF_TOKEN=ALICE)
    base = [sys.executable, "-m", "hubgate", "watch", GEMMA, MISTRAL, "--state", str(state), "--all"]
    subprocess.run(base, env=env, capture_output=True, timeout=60)  # first sightings: nothing to send
    hub.set_access("alice", GEMMA, "accepted")
    hub.set_access("alice", MISTRAL, "accepted")
    try:
        runs = [
            subprocess.Popen(
                [*base, "--notify-url", url, "--json"], env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(5)
        ]
        outputs = [json.loads(proc.communicate(timeout=90)[0]) for proc in runs]
    finally:
        receiver.shutdown()
    assert len(_SlowReceiver.posts) == 1  # one notification for the two changes, sent once
    payload = json.loads(_SlowReceiver.posts[0])
    assert {change["id"] for change in payload["changes"]} == {GEMMA, MISTRAL}
    delivered = sum(n["delivered"] for out in outputs for n in out["notifications"])
    assert delivered == 1


def test_hub_service_validates_its_endpoint() -> None:
    from hubgate.hub.settings import EndpointError

    with pytest.raises(EndpointError, match="has no scheme"):
        HubService("hf-mirror.com", None)

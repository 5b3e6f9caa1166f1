"""`hubgate request` against the loopback Hub's ask-access endpoint (docs/hub.md "Asking for access")."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from hubgate.access.form import fill, form_of
from hubgate.access.request_outcome import Outcome, classify_answer
from hubgate.hub.answers import HubAnswer
from hubgate.testhub import Repo
from tests.conftest import ALICE, BOB, DINO, GEMMA, LLAMA2, LLAMA32, MISTRAL, assert_no_token

DINO_FORM = {
    "extra_gated_prompt": "The information you provide will be collected per the Meta Privacy Policy.",
    "extra_gated_fields": {
        "First Name": "text",
        "Last Name": "text",
        "Date of birth": "date_picker",
        "Country": "country",
        "Affiliation": "text",
        "Job title": {"type": "select", "options": ["Student", "Researcher", "Other"]},
        "geo": "ip_location",
        "By clicking Submit below I accept the terms of the license": "checkbox",
    },
    "extra_gated_button_content": "Submit",
}
DINO2 = "facebook/dinov3-vits16-pretrain-lvd1689m"
ANSWERS = {
    "First Name": "Alice",
    "Last Name": "Liddell",
    "Date of birth": "1990-01-02",
    "Country": "France",
    "Affiliation": "Wonderland U",
    "Job title": "Researcher",
}


DINOV3 = [
    f"facebook/dinov3-{size}-pretrain-lvd1689m"
    for size in (
        "vits16",
        "vitb16",
        "vitl16",
        "vith16",
        "vit7b16",
        "convnext-tiny",
        "convnext-small",
        "convnext-base",
        "convnext-large",
    )
]


def dinov3_world(hub: Any, folder: Any) -> None:
    """The nine DINOv3 checkpoints of seed 002, each with Meta's gate form; the seed's list and answers."""
    for repo_id in DINOV3:
        if ("model", repo_id) in hub.repos:
            hub.repos[("model", repo_id)].card_data = dict(DINO_FORM)
        else:
            hub.add_repo(Repo(repo_id, gated="manual", card_data=dict(DINO_FORM)))
    (folder / "dinov3.txt").write_text("".join(f"{repo_id}\n" for repo_id in DINOV3))
    (folder / "me.yaml").write_text(
        "First Name: Alice\nLast Name: Liddell\nDate of birth: 1990-01-02\nCountry: France\n"
        "Affiliation: Wonderland University\nJob title: Researcher\n"
    )


@pytest.fixture
def dinos(hub: Any) -> Any:
    hub.repos[("model", DINO)].card_data = dict(DINO_FORM)
    hub.add_repo(Repo(DINO2, gated="manual", card_data=dict(DINO_FORM)))
    return hub


def posts(hub: Any) -> list[str]:
    return [e.path for e in hub.log if e.method == "POST" and e.path.endswith("/ask-access")]


def by_id(result: Any) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in result.json()["results"]}


def test_dry_run_sends_nothing_and_shows_the_form(dinos: Any, run_cli: Any) -> None:
    result = run_cli(
        "request",
        DINO,
        DINO2,
        "--dry-run",
        "--format",
        "json",
        "--accept-terms",
        *[f"--field={k}={v}" for k, v in ANSWERS.items()],
        HF_TOKEN=ALICE,
    )
    assert result.code == 0, result.stderr
    assert posts(dinos) == []
    rows = by_id(result)
    assert rows[DINO]["outcome"] == rows[DINO2]["outcome"] == "would-send"
    assert rows[DINO]["prompt"].startswith("The information you provide")
    assert rows[DINO]["button"] == "Submit"
    assert rows[DINO]["sent"]["Job title"] == "Researcher"
    assert {f["type"] for f in rows[DINO]["fields"]} >= {
        "text",
        "date_picker",
        "country",
        "select",
        "checkbox",
    }
    assert_no_token(result.stdout, result.stderr)


def test_terms_never_ticked_without_consent(dinos: Any, run_cli: Any, tmp_path: Any) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "".join(f"{k}: '{v}'\n" for k, v in ANSWERS.items())
        + "'By clicking Submit below I accept the terms of the license': true\n"
    )
    result = run_cli("request", DINO, "--answers", str(answers), "--yes", "--format", "json", HF_TOKEN=ALICE)
    assert result.code == 1
    row = by_id(result)[DINO]
    assert row["outcome"] == "form-incomplete"
    assert "--accept-terms" in row["message"]
    assert posts(dinos) == []


def test_manual_goes_pending_once_per_field_and_watch_state_records_it(
    dinos: Any, run_cli: Any, tmp_path: Any
) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("".join(f'"{k}" = "{v}"\n' for k, v in ANSWERS.items()))
    state = tmp_path / "watch.sqlite3"
    result = run_cli(
        "request",
        DINO,
        DINO2,
        LLAMA2,
        LLAMA32,
        "--answers",
        str(answers),
        "--accept-terms",
        "--yes",
        "--state",
        str(state),
        "--format",
        "json",
        HF_TOKEN=ALICE,
    )
    assert result.code == 0, result.stderr
    rows = by_id(result)
    assert rows[DINO]["outcome"] == "sent-pending"  # alice's request had been reset
    assert rows[DINO2]["outcome"] == "sent-pending"
    assert rows[LLAMA2]["outcome"] == "already-granted"
    assert rows[LLAMA32]["outcome"] == "already-pending"
    assert sorted(posts(dinos)) == sorted(
        [f"/api/models/{DINO}/ask-access", f"/api/models/{DINO2}/ask-access"]
    )
    stored = dinos.requests[("model", DINO2)]["alice"]
    assert stored.status == "pending" and stored.fields["Country"] == "France"
    assert stored.fields["By clicking Submit below I accept the terms of the license"] is True
    assert result.json()["recorded_pending"] == 2
    rows_db = sqlite3.connect(state).execute("SELECT repo_id, status FROM verdicts").fetchall()
    assert sorted(rows_db) == sorted([(DINO, "pending"), (DINO2, "pending")])
    # The authors accept: watch reports the transition from the recorded pending state.
    dinos.requests[("model", DINO2)]["alice"].status = "accepted"
    watched = run_cli("watch", DINO2, "--state", str(state), "--json", HF_TOKEN=ALICE)
    changes = watched.json()["changes"]
    assert [(c["id"], c["from"], c["to"]) for c in changes] == [(DINO2, "pending", "granted")]


def test_auto_is_granted_at_once(hub: Any, run_cli: Any) -> None:
    hub.requests[("model", GEMMA)] = {}
    result = run_cli("request", GEMMA, "--yes", "--format", "json", HF_TOKEN=ALICE)
    assert by_id(result)[GEMMA]["outcome"] == "sent-granted"
    assert hub.requests[("model", GEMMA)]["alice"].status == "accepted"
    assert (
        run_cli("check", GEMMA, "--format", "json", HF_TOKEN=ALICE).json()["models"][0]["status"] == "granted"
    )


def test_rejected_is_skipped_not_resent(hub: Any, run_cli: Any) -> None:
    result = run_cli("request", MISTRAL, "--yes", "--format", "json", HF_TOKEN=ALICE)
    assert by_id(result)[MISTRAL]["outcome"] == "skipped"
    assert posts(hub) == []


@pytest.mark.parametrize("status", [400, 422])
def test_missing_required_field_refused_by_the_hub(dinos: Any, status: int) -> None:
    """A form the Hub finds incomplete, whichever status it uses, is form-incomplete with its words."""
    from hubgate.check.session import open_session
    from hubgate.hub.token import resolve_token

    dinos.missing_field_status = status
    session = open_session(resolve_token(ALICE), endpoint=dinos.url)
    answer = session.service.post(f"/api/models/{DINO}/ask-access", {"First Name": "Alice"})
    outcome, words = classify_answer(answer, "manual")
    assert (outcome, answer.status) == (Outcome.FORM_INCOMPLETE, status)
    assert "Last Name" in words
    assert dinos.requests[("model", DINO)]["alice"].status == "reset"  # nothing stored


@pytest.mark.parametrize("status", [409, 400])
def test_existing_request_variants(hub: Any, status: int) -> None:
    hub.existing_request_status = status
    hub.set_access("alice", GEMMA, "pending")
    from hubgate.check.session import open_session
    from hubgate.hub.token import resolve_token

    session = open_session(resolve_token(ALICE), endpoint=hub.url)
    answer = session.service.post(f"/api/models/{GEMMA}/ask-access", {})
    outcome, words = classify_answer(answer, "auto")
    assert outcome == Outcome.ALREADY_PENDING
    assert "already requested" in words


def test_refusals_keep_the_hubs_words(hub: Any, run_cli: Any) -> None:
    hub.requests[("model", GEMMA)] = {}
    result = run_cli("request", GEMMA, "--yes", "--format", "json", HF_TOKEN=BOB)
    row = by_id(result)[GEMMA]
    assert row["outcome"] == "skipped" and "token-scope" in row["message"]  # the verdict already tells
    assert posts(hub) == []
    from hubgate.check.session import open_session
    from hubgate.hub.token import resolve_token

    for token, code in ((BOB, 403), (None, 401)):
        session = open_session(resolve_token(token, anonymous=token is None), endpoint=hub.url)
        outcome, words = classify_answer(session.service.post(f"/api/models/{GEMMA}/ask-access", {}), "auto")
        assert outcome == Outcome.REFUSED and words.startswith(f"HTTP {code}")
    session = open_session(resolve_token(ALICE), endpoint=hub.url)
    outcome, words = classify_answer(session.service.post("/api/models/nobody/nothing/ask-access", {}), None)
    assert outcome == Outcome.REFUSED and "404" in words


def test_unknown_answers_are_errors() -> None:
    assert classify_answer(HubAnswer(status=500, message="boom"), "auto") == (Outcome.ERROR, "HTTP 500 boom")
    assert classify_answer(HubAnswer(status=None, failure="timeout"), "auto") == (Outcome.ERROR, "timeout")
    assert classify_answer(HubAnswer(status=302), "auto")[0] == Outcome.ERROR


def test_fill_checks_select_and_date() -> None:
    form = form_of(DINO_FORM)
    bad = fill(form, {**ANSWERS, "Job title": "Wizard", "Date of birth": "yesterday"}, accept_terms=True)
    assert set(bad.missing) == {"Job title", "Date of birth"} and len(bad.problems) == 2
    good = fill(form, ANSWERS, accept_terms=False)
    assert good.missing == ("By clicking Submit below I accept the terms of the license",)
    assert not any(v is True for v in good.values.values())


def test_bad_field_option_is_one_line(hub: Any, run_cli: Any) -> None:
    result = run_cli("request", GEMMA, "--field", "nonsense", HF_TOKEN=ALICE)
    assert result.code == 2 and result.stderr.startswith("hubgate: error: --field")
    assert "Traceback" not in result.stderr


def test_request_scan_finds_the_repos_in_code(dinos: Any, run_cli: Any, tmp_path: Any) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "train.py").write_text(
        "from transformers import AutoModel\n"
        f"a = AutoModel.from_pretrained('{DINO2}')\n"
        f"b = AutoModel.from_pretrained('{LLAMA2}')\n"
        f"c = AutoModel.from_pretrained('{DINO2}', revision='main')\n"  # access is per repo: asked once
    )
    result = run_cli("request", "--scan", str(project), "--dry-run", "--format", "json", HF_TOKEN=ALICE)
    rows = by_id(result)
    assert set(rows) == {DINO2, LLAMA2}, result.stderr
    assert len(result.json()["results"]) == 2
    assert rows[DINO2]["outcome"] == "form-incomplete" and rows[LLAMA2]["outcome"] == "already-granted"
    assert posts(dinos) == []


def test_a_429_is_retried_and_a_5xx_never_resent(hub: Any) -> None:
    from hubgate.check.session import open_session
    from hubgate.hub.settings import RetryPolicy
    from hubgate.hub.token import resolve_token

    hub.requests[("model", GEMMA)] = {}
    session = open_session(resolve_token(ALICE), endpoint=hub.url, policy=RetryPolicy(base_wait=0.01))
    hub.inject(r"/ask-access$", "status", status=429, retry_after=0, method="POST")
    answer = session.service.post(f"/api/models/{GEMMA}/ask-access", {})
    assert classify_answer(answer, "auto")[0] == Outcome.SENT_GRANTED
    assert len(posts(hub)) == 2
    hub.requests[("model", GEMMA)] = {}
    hub.reset_log()
    hub.inject(r"/ask-access$", "status", status=503, method="POST")
    outcome, words = classify_answer(session.service.post(f"/api/models/{GEMMA}/ask-access", {}), "auto")
    assert outcome == Outcome.ERROR and words.startswith("HTTP 503")
    assert len(posts(hub)) == 1  # the Hub may have acted: not sent twice


@pytest.mark.parametrize("typed", ["y", "n"])
def test_on_a_terminal_each_field_is_asked_once_and_the_batch_confirmed_once(
    dinos: Any, tmp_path: Any, typed: str
) -> None:
    from tests.conftest import clean_env, run_on_a_terminal

    given = [f"--field={k}={v}" for k, v in ANSWERS.items() if k != "Country"]
    result = run_on_a_terminal(
        ["request", DINO, DINO2, *given, "--format", "json"],
        f"France\n{typed}\n",  # Country (once for both), then one answer for the whole batch
        cwd=tmp_path,
        env=clean_env(dinos.url, tmp_path, HF_TOKEN=ALICE),
    )
    stdout, stderr = result.stdout, result.stderr
    assert stderr.count("Country") == 1, stderr
    assert stderr.count("Send 2 requests?") == 1, stderr
    # The authors' words and the checkbox, shown once for the two repos that share them, before the question.
    assert stderr.count(DINO_FORM["extra_gated_prompt"]) == 1
    assert "[x] By clicking Submit below I accept the terms of the license" in stderr
    assert "name and email" in stderr and "accepts the terms shown above" in stderr
    rows = {r["id"]: r for r in json.loads(stdout)["results"]}
    if typed == "y":
        assert rows[DINO]["outcome"] == rows[DINO2]["outcome"] == "sent-pending"
        assert rows[DINO]["sent"]["Country"] == "France"
        assert sorted(posts(dinos)) == sorted(f"/api/models/{d}/ask-access" for d in (DINO, DINO2))
        assert result.code == 0
    else:
        assert rows[DINO]["outcome"] == rows[DINO2]["outcome"] == "not-sent"
        assert posts(dinos) == []
        assert result.code == 1

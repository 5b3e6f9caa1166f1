"""The verdict logic on its own: Hub answers in, verdicts out, every variant the contract marks uncertain."""

from __future__ import annotations

import pytest

from hubgate.hub.answers import HubAnswer, facts_from_metadata, probe_file
from hubgate.hub.token import TokenInfo, token_info_from_whoami
from hubgate.inputs.refs import RepoRef
from hubgate.inputs.secrets import scrub
from hubgate.verdicts.decide import NeedsProbe, from_metadata, from_probe
from hubgate.verdicts.exit_codes import (
    EXIT_ACTION,
    EXIT_ERROR,
    EXIT_OK,
    FailOnError,
    exit_code_for_verdicts,
    parse_fail_on,
)
from hubgate.verdicts.verdict import Context, Status, Verdict

REF = RepoRef("org/model", "model", "org/model")
READ = TokenInfo("HF_TOKEN", True, valid=True, user="alice", role="read", can_read_gated=True)
FINE_NO_GATED = TokenInfo("HF_TOKEN", True, valid=True, user="bob", role="fineGrained", can_read_gated=False)
NONE = TokenInfo("none", False)
UNKNOWN = TokenInfo("HF_TOKEN", True, valid=None, error="whoami unreachable")


def ctx(token: TokenInfo = READ) -> Context:
    return Context(endpoint="https://hub.test", token=token)


def meta(**body: object) -> HubAnswer:
    return HubAnswer(status=200, body={"id": "org/model", **body})


GATED = meta(gated="manual", siblings=[{"rfilename": "README.md"}, {"rfilename": "config.json"}])


def probe(answer: HubAnswer, token: TokenInfo = READ) -> Verdict:
    first = from_metadata(REF, GATED, ctx(token))
    assert isinstance(first, NeedsProbe)
    return from_probe(REF, first.facts, answer, ctx(token))


def gate(status: int, message: str, code: str | None = "GatedRepo") -> HubAnswer:
    return HubAnswer(status=status, error_code=code, message=message)


def test_metadata_alone_decides_open_needs_login_disabled() -> None:
    assert from_metadata(REF, meta(gated=False, private=False), ctx()).status == Status.OPEN  # type: ignore[union-attr]
    assert from_metadata(REF, GATED, ctx(NONE)).status == Status.NEEDS_LOGIN  # type: ignore[union-attr]
    assert from_metadata(REF, meta(disabled=True), ctx()).status == Status.DISABLED  # type: ignore[union-attr]
    assert isinstance(from_metadata(REF, GATED, ctx()), NeedsProbe)
    assert isinstance(from_metadata(REF, meta(gated=False, private=True), ctx()), NeedsProbe)
    assert isinstance(from_metadata(REF, GATED, ctx(UNKNOWN)), NeedsProbe)  # unknown token: ask the files


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (HubAnswer(status=200), Status.GRANTED),
        (HubAnswer(status=302, location="https://cdn.example/x"), Status.GRANTED),
        (gate(404, "Entry not found", "EntryNotFound"), Status.GRANTED),
        (
            gate(
                403,
                "Access to model org/model is restricted and you are not in the authorized list. Visit https://hub.test/org/model to ask for access.",
            ),
            Status.NOT_REQUESTED,
        ),
        (
            gate(403, "Your request to access model org/model is awaiting a review from the repo authors."),
            Status.PENDING,
        ),
        (
            gate(403, "Your request to access this repo has been rejected by the repo's authors."),
            Status.REJECTED,
        ),
        (gate(403, "Access denied: request REJECTED"), Status.REJECTED),
        (gate(403, "Your request was reset by the authors"), Status.NOT_REQUESTED),
        (gate(403, "Something new the Hub says"), Status.ERROR),  # gated, but which state: unknown
        (gate(401, "Access to model org/model is restricted. Please log in."), Status.TOKEN_INVALID),
        (
            gate(
                403,
                "Please enable access to public gated repositories in your fine-grained token settings to view this repository.",
                None,
            ),
            Status.TOKEN_SCOPE,
        ),
        (gate(403, "Forbidden", None), Status.ERROR),
        (gate(403, "Access to this resource is disabled.", None), Status.DISABLED),
        (gate(451, "Unavailable For Legal Reasons", None), Status.DISABLED),
        (gate(401, "Invalid credentials in Authorization header", None), Status.TOKEN_INVALID),
        (gate(404, "Repository not found", "RepoNotFound"), Status.NOT_FOUND),
        (gate(404, "Not Found", None), Status.ERROR),  # no code: maybe not a Hub at HF_ENDPOINT
        (HubAnswer(status=429, message="rate limited"), Status.ERROR),
        (HubAnswer(status=502), Status.ERROR),
        (HubAnswer(status=None, failure="ConnectError: refused"), Status.ERROR),
    ],
)
def test_probe_answers(answer: HubAnswer, status: Status) -> None:
    assert probe(answer).status == status


def test_bare_403_for_token_that_cannot_read_gated_is_token_scope_by_status() -> None:
    assert probe(gate(403, "Forbidden", None), FINE_NO_GATED).status == Status.TOKEN_SCOPE
    assert probe(gate(403, "Forbidden", None), READ).status == Status.ERROR


@pytest.mark.parametrize(
    ("answer", "token", "status"),
    [
        (HubAnswer(status=401, message="Invalid username or password."), NONE, Status.NOT_FOUND),
        (HubAnswer(status=401, message="Invalid username or password."), READ, Status.ERROR),
        (
            HubAnswer(status=401, message="Invalid credentials in Authorization header"),
            READ,
            Status.TOKEN_INVALID,
        ),
        (
            HubAnswer(status=404, error_code="RepoNotFound", message="Repository not found"),
            READ,
            Status.NOT_FOUND,
        ),
        (HubAnswer(status=403, message="Access to this resource is disabled."), READ, Status.DISABLED),
        (HubAnswer(status=500, message="Internal Error"), READ, Status.ERROR),
    ],
)
def test_metadata_errors(answer: HubAnswer, token: TokenInfo, status: Status) -> None:
    verdict = from_metadata(REF, answer, ctx(token))
    assert isinstance(verdict, Verdict) and verdict.status == status


def test_error_verdict_carries_the_hubs_words() -> None:
    verdict = probe(gate(403, "Something new the Hub says"))
    assert verdict.message == "no verdict: HTTP 403 [GatedRepo] Something new the Hub says"
    assert verdict.gated_mode == "manual"


def test_revoked_token_short_circuits_before_probing() -> None:
    revoked = TokenInfo("HF_TOKEN", True, valid=False)
    verdict = from_metadata(REF, GATED, ctx(revoked))
    assert isinstance(verdict, Verdict) and verdict.status == Status.TOKEN_INVALID
    assert "HF_TOKEN" in verdict.message and "https://hub.test/settings/tokens" in (verdict.next_step or "")


def test_dataset_urls_and_messages() -> None:
    ref = RepoRef("datasets/org/data", "dataset", "org/data")
    verdict = from_metadata(ref, HubAnswer(status=200, body={"id": "org/data", "gated": False}), ctx())
    assert isinstance(verdict, Verdict)
    assert verdict.url == "https://hub.test/datasets/org/data" and "dataset" in verdict.message


def test_metadata_parsing() -> None:
    facts = facts_from_metadata("gpt2", {"id": "openai-community/gpt2", "gated": "auto", "private": False})
    assert (facts.id, facts.gated, facts.gate_mode) == ("openai-community/gpt2", True, "auto")
    assert facts_from_metadata("x", {"gated": True}).gate_mode is None
    assert facts_from_metadata("x", {"gated": False}).gated is False
    assert facts_from_metadata("x", None).id == "x"


def test_probe_file_prefers_small_gated_files() -> None:
    def files(*names: str):  # type: ignore[no-untyped-def]
        return facts_from_metadata("x", {"siblings": [{"rfilename": n} for n in names]})

    assert probe_file(files("README.md", "model.safetensors", "config.json")) == "config.json"
    assert probe_file(files("README.md", "model.safetensors", "tokenizer.json")) == "tokenizer.json"
    assert probe_file(files("README.md", "model.safetensors")) == "model.safetensors"
    assert probe_file(files("README.md", ".gitattributes")) is None


def test_whoami_parsing() -> None:
    body = {
        "name": "bob",
        "orgs": [{"name": "acme"}],
        "auth": {
            "accessToken": {
                "displayName": "ci",
                "role": "fineGrained",
                "fineGrained": {"canReadGatedRepos": False},
            }
        },
    }
    info = token_info_from_whoami("HF_TOKEN", 200, body)
    assert (info.user, info.role, info.can_read_gated, info.valid, info.orgs) == (
        "bob",
        "fineGrained",
        False,
        True,
        ("acme",),
    )
    assert token_info_from_whoami(
        "x", 200, {"name": "a", "auth": {"accessToken": {"role": "write"}}}
    ).can_read_gated
    assert token_info_from_whoami("x", 401, None).valid is False
    unknown = token_info_from_whoami("x", None, None, "ConnectError")
    assert unknown.valid is None and unknown.error == "ConnectError"


def test_scrub_removes_given_and_token_shaped_values() -> None:
    secret = "hf_" + "x" * 34
    assert scrub(f"Bearer {secret} and hf_transfer", None) == "Bearer hf_*** and hf_transfer"
    assert scrub("value=my-custom-secret", "my-custom-secret") == "value=hf_***"


def _v(status: Status) -> Verdict:
    return Verdict(input="x", model_id="x", status=status, message="")


def test_exit_codes() -> None:
    action = parse_fail_on("action")
    assert exit_code_for_verdicts([_v(Status.OPEN), _v(Status.GRANTED)], action) == EXIT_OK
    assert exit_code_for_verdicts([_v(Status.OPEN), _v(Status.PENDING)], action) == EXIT_ACTION
    assert exit_code_for_verdicts([_v(Status.INVALID)], action) == EXIT_ACTION
    assert exit_code_for_verdicts([_v(Status.PENDING), _v(Status.ERROR)], action) == EXIT_ERROR
    assert exit_code_for_verdicts([_v(Status.PENDING)], parse_fail_on("error")) == EXIT_OK
    assert exit_code_for_verdicts([_v(Status.ERROR)], parse_fail_on("never")) == EXIT_OK
    assert exit_code_for_verdicts([_v(Status.REJECTED)], parse_fail_on("pending, rejected")) == EXIT_ACTION
    with pytest.raises(FailOnError, match="unknown status maybe"):
        parse_fail_on("pending,maybe")

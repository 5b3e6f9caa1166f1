"""Issue 17: fewer api requests, the same verdicts.

Every repo of the test Hub's worlds is checked by every token three ways: the metadata path (one api
request per repo, no listing, no cache), the first run with author listings and an empty cache, and a
second run with the cache filled. The three must agree on every verdict, field by field (only what each
cost differs), through the real huggingface_hub client against the loopback Hub.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from hubgate.check.extras import Extras
from hubgate.check.run import run_check
from hubgate.check.session import open_session
from hubgate.hub.cache import MetadataCache
from hubgate.hub.pacing import RatePacer
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.token import ResolvedToken
from hubgate.inputs.refs import RepoRef
from hubgate.testhub import HubSim, Repo, Token
from hubgate.testhub.server import OrgPolicy
from hubgate.verdicts.verdict import Verdict
from tests.conftest import (
    ALICE,
    ALL_TOKENS,
    GPT2,
    LLAMA2,
    LLAMA32,
    MISTRAL,
    PINNED,
    PINNED_V1,
    populate,
)

FAST = RetryPolicy(retries=1, base_wait=0.01, timeout=5.0)


def world_refs(hub: HubSim) -> list[RepoRef]:
    """Every repo of the world, its legacy ids, pinned revisions (existing and not), ids that do not
    exist (one in a listed author), and a wrong-case id."""
    refs = [RepoRef(repo_id, kind, repo_id) for (kind, repo_id) in sorted(hub.repos)]
    refs += [RepoRef(legacy, kind, legacy) for (kind, legacy) in sorted(hub.legacy)]
    refs += [
        RepoRef(f"{PINNED}@v1.0", "model", PINNED, revision="v1.0"),
        RepoRef(f"{PINNED}@{PINNED_V1[:10]}", "model", PINNED, revision=PINNED_V1[:10]),
        RepoRef(f"{PINNED}@nope", "model", PINNED, revision="nope"),
        RepoRef("lab/no-such-model", "model", "lab/no-such-model"),
        RepoRef("nobody/nothing", "model", "nobody/nothing"),
        RepoRef(LLAMA2.lower(), "model", LLAMA2.lower()),
    ]
    return refs


def add_policy_orgs(hub: HubSim) -> None:
    """Organizations whose token policies refuse some tokens: three repos each, so they are listed."""
    hub.add_org(OrgPolicy("corp", require_approval=True, message="Your token is pending approval."))
    hub.add_org(OrgPolicy("strict", fine_grained_only=True, message=""))
    for org in ("corp", "strict"):
        hub.add_repo(Repo(f"{org}/open-model"))
        hub.add_repo(Repo(f"{org}/gated-model", gated="auto"))
        hub.add_repo(Repo(f"{org}/other-model"))
    hub.add_repo(Repo("acme/team-model", private=True))
    hub.add_repo(Repo("acme/team-gated", gated="manual"))


def run(
    hub: HubSim, token: str | None, refs: list[RepoRef], *, cache: MetadataCache | None, batch: bool
) -> dict[str, Verdict]:
    resolved = ResolvedToken(token, "HF_TOKEN") if token else ResolvedToken(None, None)
    session = open_session(resolved, endpoint=hub.url, policy=FAST, pacer=RatePacer(max_wait=5))
    extras = Extras(alternatives=False, suggest=False)
    report = run_check(session, refs, jobs=4, extras=extras, cache=cache, batch=batch)
    return {v.input: v for v in report.verdicts}


def without_cost(verdicts: dict[str, Verdict]) -> dict[str, Verdict]:
    return {key: replace(v, cost=None) for key, v in verdicts.items()}


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"invalid_token_mode": "anonymous", "disabled_status": 451},
        {"rejected_message": "Rejected.", "reset_message": "Please reset and ask again."},
    ],
    ids=["default", "anonymous-invalid-451", "terse-messages"],
)
def test_listing_and_cache_give_the_metadata_paths_verdicts(tmp_path: Path, variant: dict) -> None:  # type: ignore[type-arg]
    with HubSim(**variant) as hub:
        populate(hub)
        add_policy_orgs(hub)
        refs = world_refs(hub)
        for index, token in enumerate((*ALL_TOKENS, None)):
            cache = MetadataCache(tmp_path / f"cache-{index}")
            baseline = run(hub, token, refs, cache=None, batch=False)
            first = run(hub, token, refs, cache=cache, batch=True)
            second = run(hub, token, refs, cache=cache, batch=True)
            who = token[:6] if token else "anonymous"
            assert without_cost(first) == without_cost(baseline), who
            assert without_cost(second) == without_cost(baseline), who
            if token is None or hub.tokens[token].valid:
                vias = {v.cost.via for v in second.values() if v.cost is not None}
                assert "cache" in vias, who  # the second run did use the cache


def test_second_run_spends_no_api_request_on_readable_repos(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        populate(hub)
        readable = [GPT2, LLAMA2, "acme/private-model"]
        listed = ["lab/pickle-only", "lab/mixed-formats", "lab/no-licence"]
        hub.add_repo(Repo("acme/private-model-2", private=True))
        refs = [RepoRef(i, "model", i) for i in readable + listed]
        cache = MetadataCache(tmp_path / "cache")
        run(hub, ALICE, refs, cache=cache, batch=True)
        hub.reset_log()
        second = run(hub, ALICE, refs, cache=cache, batch=True)
        assert hub.count("api") == 2  # whoami, and lab's listing: fresher than the cache and one for three
        assert hub.count(path=r"^/api/models$") == 1
        assert {v.input: v.cost.via for v in second.values()} == {
            **dict.fromkeys(readable, "cache"),
            **dict.fromkeys(listed, "listing"),
        }
        assert all(second[i].cost.api == 0 and second[i].cost.resolvers == 1 for i in readable)
        # Without the token, the same HEAD tells open from gated or private; its own quota, per IP.
        anonymous = [e for e in hub.log if e.bucket == "resolvers" and not e.authorized]
        assert len(anonymous) == len(readable)
        # The listing's open repos: one probe with the token for the author (no token policy refuses it).
        assert sum(second[i].cost.resolvers for i in listed) == 1
        assert {v.input: v.status.value for v in second.values()} == {
            GPT2: "open",
            LLAMA2: "granted",
            "lab/pickle-only": "open",
            "lab/mixed-formats": "open",
            "lab/no-licence": "open",
            "acme/private-model": "granted",
        }
        assert second[LLAMA2].gated_mode == "manual" and second["acme/private-model"].private is True


def test_a_new_commit_or_a_changed_gate_is_asked_again(tmp_path: Path) -> None:
    with HubSim() as hub:
        populate(hub)
        refs = [RepoRef(i, "model", i) for i in (GPT2, LLAMA2, MISTRAL)]
        cache = MetadataCache(tmp_path / "cache")
        run(hub, ALICE, refs, cache=cache, batch=False)
        hub.repos[("model", GPT2)].sha = "f" * 40  # a new commit: its card may have changed
        hub.repos[("model", GPT2)].card_data = {"license": "apache-2.0"}
        hub.repos[("model", LLAMA2)].gated = False  # the authors opened it (no commit)
        hub.set_access("alice", MISTRAL, "accepted")  # the authors changed their mind
        hub.reset_log()
        second = run(hub, ALICE, refs, cache=cache, batch=False)
        fresh = run(hub, ALICE, refs, cache=None, batch=False)
        assert without_cost(second) == without_cost(fresh)
        assert second[GPT2].cost.via == "metadata" and second[GPT2].sha == "f" * 40
        assert second[LLAMA2].status.value == "open" and second[LLAMA2].cost.via == "cache"
        assert second[MISTRAL].status.value == "granted"


def test_an_author_listing_replaces_per_repo_metadata(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        populate(hub)
        hub.add_repo(Repo("lab/private-one", private=True))
        ids = ["lab/pickle-only", "lab/mixed-formats", "lab/no-licence", "lab/private-one", "lab/missing"]
        refs = [RepoRef(i, "model", i) for i in ids]
        hub.reset_log()
        verdicts = run(hub, ALICE, refs, cache=None, batch=True)
        listing = [e for e in hub.log if e.path == "/api/models"]
        assert len(listing) == 1 and "author=lab" in listing[0].query
        # What the listing cannot show (a private repo this token cannot see, a missing one) is asked alone.
        own = sorted(e.path for e in hub.log if e.path.startswith("/api/models/"))
        assert own == ["/api/models/lab/missing", "/api/models/lab/private-one"]
        assert {k: v.cost.via for k, v in verdicts.items()} == {
            "lab/pickle-only": "listing",
            "lab/mixed-formats": "listing",
            "lab/no-licence": "listing",
            "lab/private-one": "metadata",
            "lab/missing": "metadata",
        }
        assert verdicts["lab/private-one"].status.value == "not-found"


def test_two_ids_of_an_author_are_asked_one_by_one(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        populate(hub)
        refs = [RepoRef(i, "model", i) for i in (LLAMA2, LLAMA32)]
        run(hub, ALICE, refs, cache=None, batch=True)
        assert hub.count(path=r"^/api/models$") == 0


def test_an_organization_policy_is_never_hidden_by_its_listing(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        populate(hub)
        add_policy_orgs(hub)
        hub.add_token(
            Token("hf_" + "Fred" * 8, "fred", role="fineGrained", can_read_gated=True, orgs=("corp",))
        )
        refs = [
            RepoRef(f"corp/{name}", "model", f"corp/{name}")
            for name in ("open-model", "gated-model", "other-model")
        ]
        verdicts = run(hub, "hf_" + "Fred" * 8, refs, cache=None, batch=True)
        assert {v.status.value for v in verdicts.values()} == {"token-scope"}
        refs = [
            RepoRef(f"strict/{name}", "model", f"strict/{name}")
            for name in ("open-model", "other-model", "gated-model")
        ]
        hub.orgs["strict"].message = "The strict organization only accepts fine-grained tokens."
        verdicts = run(hub, ALICE, refs, cache=None, batch=True)
        assert {v.status.value for v in verdicts.values()} == {"token-scope"}
        assert all(v.cost.via == "metadata" for v in verdicts.values())  # the listing was not trusted


def test_the_cache_holds_no_token_and_survives_damage(run_cli, hub: HubSim, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache-dir"
    first = run_cli("check", LLAMA2, GPT2, "--json", HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    files = list(cache_dir.iterdir())
    assert files and all(ALICE not in path.read_bytes().decode("latin-1") for path in files)
    second = run_cli("check", LLAMA2, GPT2, "--json", HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert [m["cost"]["via"] for m in second.json()["models"]] == ["cache", "cache"]
    assert second.json()["requests"]["metadata_cache"] == {"hits": 2, "misses": 0}
    assert [m["status"] for m in second.json()["models"]] == [m["status"] for m in first.json()["models"]]
    for path in cache_dir.iterdir():
        path.write_bytes(b"not a database " * 100)
    damaged = run_cli("check", LLAMA2, GPT2, "--json", HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert damaged.code == 0, damaged.stderr
    assert "metadata cache" in damaged.stderr and "was damaged" in damaged.stderr
    assert damaged.stderr.count("\n") == 1 and "Traceback" not in damaged.stderr
    assert [m["status"] for m in damaged.json()["models"]] == ["granted", "open"]
    # Set aside, not left in the way: the next run uses a new cache, without a word.
    assert list(cache_dir.glob("metadata-v1.sqlite.corrupt-*"))
    healed = run_cli("check", LLAMA2, GPT2, "--json", HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert healed.stderr == "" and [m["cost"]["via"] for m in healed.json()["models"]] == ["cache", "cache"]


def test_no_cache_reads_and_writes_nothing(run_cli, hub: HubSim, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache-dir"
    result = run_cli(
        "check", LLAMA2, "--no-cache", "--json", HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir)
    )
    assert result.code == 0 and not cache_dir.exists()
    assert result.json()["requests"]["metadata_cache"] is None
    assert result.json()["models"][0]["cost"] == {
        "api": 1,
        "resolvers": 1,
        "resolvers_anonymous": 0,
        "api_anonymous": 0,
        "via": "metadata",
    }


def test_watch_uses_the_cache(run_cli, hub: HubSim, tmp_path: Path) -> None:
    run_cli("watch", LLAMA2, GPT2, HF_TOKEN=ALICE)
    hub.reset_log()
    result = run_cli("watch", LLAMA2, GPT2, "--all", HF_TOKEN=ALICE)
    assert result.code == 0, result.stderr
    assert hub.count("api") == 1  # whoami; both repos decided by file probes and the cache


def test_cache_entries_are_per_endpoint(tmp_path: Path) -> None:
    cache = MetadataCache(tmp_path)
    cache.put(
        "http://a", "model", "x/y", None, {"id": "x/y", "sha": "1" * 40, "gated": "auto", "cardData": {}}
    )
    assert cache.get("http://b", "model", "x/y", None) is None
    hit = cache.get("http://a", "model", "x/y", None)
    assert hit is not None and hit.gate_mode == "auto" and hit.sha == "1" * 40
    assert cache.get("http://a", "model", "x/y", "v1") is None
    with sqlite3.connect(cache.path) as db:
        assert db.execute("SELECT count(*) FROM repos").fetchone()[0] == 1


def test_anonymous_answers_never_describe_the_accounts_quota() -> None:
    pacer = RatePacer()
    policy = '"fixed window";"resolvers";q=5000;w=300'
    account = {"RateLimit": '"resolvers";r=4000;t=100', "RateLimit-Policy": policy}
    pacer.after_response(account, 200, None, "resolvers")
    per_ip = {"RateLimit": '"resolvers";r=10;t=100', "RateLimit-Policy": policy.replace("5000", "3000")}
    pacer.after_response(per_ip, 200, None, "resolvers-anonymous", suffix="-anonymous")
    assert pacer.remaining("resolvers") == 4000
    assert pacer.remaining("resolvers-anonymous") == 10


def test_python_api_uses_the_cache_unless_told_not_to(hub: HubSim, tmp_path: Path) -> None:
    from hubgate import check_models

    populate_ids = [GPT2, LLAMA2]
    first = check_models(populate_ids, token=ALICE, endpoint=hub.url, registry=False)
    second = check_models(populate_ids, token=ALICE, endpoint=hub.url, registry=False)
    plain = check_models(populate_ids, token=ALICE, endpoint=hub.url, registry=False, cache=False)
    assert [v.cost.via for v in first] == ["metadata", "metadata"]
    assert [v.cost.via for v in second] == ["cache", "cache"]
    assert [v.cost.via for v in plain] == ["metadata", "metadata"]
    assert [replace(v, cost=None) for v in second] == [replace(v, cost=None) for v in plain]
    assert (tmp_path / "metadata-cache").is_dir()  # HUBGATE_CACHE_DIR, set for every test


def test_a_listing_that_ignores_expand_is_not_trusted(tmp_path: Path) -> None:
    with HubSim(page_size=1000) as hub:
        populate(hub)
        hub.inject(
            r"^/api/models$",
            "body",
            body=[{"id": f"lab/{n}", "gated": False} for n in ("pickle-only", "mixed-formats", "no-licence")],
            times=1,
        )
        refs = [
            RepoRef(f"lab/{n}", "model", f"lab/{n}") for n in ("pickle-only", "mixed-formats", "no-licence")
        ]
        verdicts = run(hub, ALICE, refs, cache=None, batch=True)
        assert {v.cost.via for v in verdicts.values()} == {"metadata"}
        assert [f.kind for f in verdicts["lab/pickle-only"].findings] == [
            "pickle"
        ]  # the card and files were read


@pytest.mark.parametrize("mode", ["reject", "anonymous"])
def test_one_cached_repo_with_a_revoked_token_is_token_invalid(tmp_path: Path, mode: str) -> None:
    """A run of one repo reads the cache and sends its probes before whoami answers; when whoami then
    says the token was revoked, the probes decide nothing and the verdict is the metadata path's, whichever
    way the Hub treats the token on its other routes."""
    with HubSim(invalid_token_mode=mode) as hub:
        populate(hub)
        cache = MetadataCache(tmp_path / "cache")
        for repo_id in (GPT2, LLAMA2):
            refs = [RepoRef(repo_id, "model", repo_id)]
            assert run(hub, ALICE, refs, cache=cache, batch=True)[repo_id].status.value in ("open", "granted")
            hub.tokens[ALICE].valid = False
            try:
                second = run(hub, ALICE, refs, cache=cache, batch=True)[repo_id]
            finally:
                hub.tokens[ALICE].valid = True
            assert second.status.value == "token-invalid", (mode, repo_id)
            assert second.cost is not None and second.cost.via == "metadata"

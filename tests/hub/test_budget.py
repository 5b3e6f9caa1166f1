"""`--budget`: a run never sends more requests per bucket than the cap; the quota left is reported."""

from __future__ import annotations

import pytest

from hubgate.hub.tally import Budget
from hubgate.testhub import HubSim
from tests.conftest import ALICE, BERT, GEMMA, GPT2, LLAMA2, PHI3


def test_budget_parse() -> None:
    assert Budget.parse("api=900,resolvers=4000").caps == {"api": 900, "resolvers": 4000}
    assert Budget.parse(" api=5 ").caps == {"api": 5}
    for bad in ("", "api", "api=x", "pages=3", "api=-1"):
        with pytest.raises(ValueError, match="use api=N"):
            Budget.parse(bad)


def test_a_run_never_sends_past_its_budget_and_says_so(run_cli, hub: HubSim) -> None:
    ids = [BERT, PHI3, GPT2, LLAMA2, GEMMA]
    result = run_cli("check", *ids, "--budget", "api=3", "--no-registry", "--json", HF_TOKEN=ALICE)
    data = result.json()
    assert hub.count(bucket="api") <= 3  # whoami + two metadata requests, then nothing more
    assert data["requests"]["budget"] == {"api": 3}
    refused = [m for m in data["models"] if "--budget" in m["message"]]
    assert len(refused) == len(ids) - 2
    assert all(m["status"] == "error" for m in refused)
    assert result.code == 3


def test_summary_and_json_report_the_quota_left(run_cli, hub: HubSim) -> None:
    hub.set_quota("api", 1000, window=300)
    result = run_cli("check", BERT, "--no-registry", "--json", HF_TOKEN=ALICE)
    quota = result.json()["requests"]["quota_left"]["api"]
    assert quota["limit"] == 1000 and quota["remaining"] == 1000 - hub.count(bucket="api")
    table = run_cli("check", BERT, "--no-registry", "--budget", "api=50", "-v", HF_TOKEN=ALICE).stdout
    assert "api quota left " in table and "of 1,000" in table and "budget api 50" in table


def test_a_malformed_budget_is_one_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", GPT2, "--budget", "api=lots")
    assert result.code == 2 and result.stderr.startswith("hubgate: error: --budget ")

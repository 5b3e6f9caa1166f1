"""`check --author ORG`: every public model of an organisation from the paginated listing."""

from __future__ import annotations

from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, LLAMA2, LLAMA32, README_ONLY


def test_organisation_listing_over_several_pages(run_cli, hub: HubSim) -> None:
    hub.page_size = 2
    hub.add_repo(Repo("meta-llama/Llama-Guard-3-8B", gated="auto"))
    hub.add_repo(Repo("meta-llama/open-tool"))
    hub.add_repo(Repo("meta-llama/secret", private=True))  # alice is not in meta-llama: not listed for her
    # --jobs 1: in listing order, a granted repo's probe comes before open-tool's turn
    result = run_cli("check", "--author", "meta-llama", "--json", "--jobs", "1", HF_TOKEN=ALICE)
    statuses = {m["id"]: m["status"] for m in result.json()["models"]}
    assert statuses == {
        LLAMA2: "granted",
        LLAMA32: "pending",
        "meta-llama/Llama-Guard-3-8B": "not-requested",
        "meta-llama/open-tool": "open",
        README_ONLY: "granted",
    }
    listing = hub.count(path="^/api/models$")
    assert listing == 3  # 5 public repos, 2 per page
    assert hub.count(path=r"^/api/models/meta-llama/") == 0  # the listing's gate modes are enough
    # One probe per gated repo; open-tool needs none, since alice's probe of a granted one proved that
    # no token policy of meta-llama refuses her token.
    assert hub.count("resolvers") == 4
    assert result.code == 1


def test_author_with_ids_and_unknown_author(run_cli, hub: HubSim) -> None:
    result = run_cli(
        "check", "google-bert/bert-base-uncased", "--author", "nobody-here", "--json", "--anonymous"
    )
    models = result.json()["models"]
    assert [(m["input"], m["status"]) for m in models] == [
        ("google-bert/bert-base-uncased", "open"),
        ("--author nobody-here", "not-found"),
    ]
    assert result.code == 1


def test_listing_failure_is_an_error_not_an_empty_org(run_cli, hub: HubSim) -> None:
    hub.inject("^/api/models$", "status", status=503, times=20)
    result = run_cli("check", "--author", "meta-llama", "--json", "--retries", "1", "--anonymous")
    (model,) = result.json()["models"]
    assert model["status"] == "error" and "503" in model["message"]
    assert result.code == 3


def test_an_empty_page_with_a_next_link_does_not_end_the_listing(run_cli, hub: HubSim) -> None:
    hub.page_size = 2
    next_page = f'<{hub.url}/api/models?author=meta-llama&limit=1000&cursor=0>; rel="next"'
    hub.inject(r"^/api/models$", "body", body=[], headers={"Link": next_page}, times=1)
    result = run_cli("check", "--author", "meta-llama", "--json", HF_TOKEN=ALICE)
    assert {m["id"] for m in result.json()["models"]} == {LLAMA2, LLAMA32, README_ONLY}

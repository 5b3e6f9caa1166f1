"""Issue 23: what the did-you-mean search found for an id the Hub does not know is kept a day (per
endpoint, id and account), so a repeat run asks about the id itself again but does not search again."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from hubgate.testhub import HubSim, Repo
from tests.conftest import ALICE, BOB

SEARCH = r"^/api/models$"


def test_a_repeat_run_reuses_the_search_not_the_verdict(run_cli, hub: HubSim, tmp_path: Path) -> None:
    hub.add_repo(Repo("acme/Real-Model"))
    cache_dir = tmp_path / "cache"
    args = ("check", "acme/Real-Model-Instruct", "--no-registry", "--json")
    first = run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert first.json()["models"][0]["suggestions"][0] == "acme/Real-Model"
    assert hub.count(path=SEARCH) >= 1
    hub.reset_log()
    second = run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert second.json()["models"] == first.json()["models"]
    assert hub.count(path=SEARCH) == 0
    assert hub.count(path=r"^/api/models/acme/Real-Model-Instruct$") == 1  # the verdict is asked again
    # Another account searches on its own (a token's search also finds the private repos it may see).
    run_cli(*args, HF_TOKEN=BOB, HUBGATE_CACHE_DIR=str(cache_dir))
    assert hub.count(path=SEARCH) >= 1
    # The id now exists: its verdict says so at once, whatever was searched.
    hub.add_repo(Repo("acme/Real-Model-Instruct"))
    found = run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert found.json()["models"][0]["status"] == "open"


def test_a_search_older_than_a_day_is_asked_again(run_cli, hub: HubSim, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    args = ("check", "acme/Real-Model-Instruct", "--no-registry", "--json")
    run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    (database,) = cache_dir.glob("metadata-v*.sqlite")
    with sqlite3.connect(database) as db:
        db.execute("UPDATE searches SET stored = ?", (time.time() - 25 * 3600,))
    hub.add_repo(Repo("acme/Real-Model"))  # published since
    hub.reset_log()
    later = run_cli(*args, HF_TOKEN=ALICE, HUBGATE_CACHE_DIR=str(cache_dir))
    assert hub.count(path=SEARCH) >= 1
    assert later.json()["models"][0]["suggestions"][0] == "acme/Real-Model"

"""`python -m hubgate.testhub`: the loopback test Hub on 127.0.0.1 for trying hubgate without a network.

Serves the `alternatives` world (the contract's cases plus the open models hubgate suggests), prints how
to point hubgate at it and waits for Ctrl-C. `--demo` runs the README's quick-start check against it
instead, as the alice token, and exits with that check's exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading

from hubgate.testhub.server import HubSim
from hubgate.testhub.worlds import ALICE, TOKEN_NOTES, add_alternatives, populate

# The README's quick start (its `<!-- example: token=ALICE world=alternatives -->` block).
DEMO = ("check", "gpt2", "meta-llama/Llama-2-7b-hf", "google/gemma-2b", "meta-llama/Llama-3.2-1B-Instruct")


def instructions(url: str) -> str:
    width = max(map(len, TOKEN_NOTES))
    tokens = "\n".join(f"  {value:<{width}}  {note}" for value, note in TOKEN_NOTES.items())
    return (
        f"Test Hub (loopback, made-up repos and tokens) at {url}\n\n"
        "Point hubgate at it from another shell:\n"
        f"  export HF_ENDPOINT={url}\n"
        f"  export HF_TOKEN={ALICE}\n"
        f"  hubgate {' '.join(DEMO)}\n\n"
        f"Tokens it accepts (they work nowhere else):\n{tokens}\n"
    )


def demo_env(url: str, home: str) -> dict[str, str]:
    """A fresh user's environment: the loopback Hub, alice's token, no stored login or caches of the
    caller's (their own HF_TOKEN, HF_HOME or hubgate cache would change what the demo shows)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING", "HUBGATE_"))}
    env.update(
        {
            "HF_ENDPOINT": url,
            "HF_TOKEN": ALICE,
            "HF_HOME": os.path.join(home, "hf-home"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HUBGATE_CACHE_DIR": os.path.join(home, "hubgate-cache"),
            "XDG_CACHE_HOME": os.path.join(home, "cache"),
            "XDG_STATE_HOME": os.path.join(home, "state"),
        }
    )
    return env


def run_demo(url: str) -> int:
    print(f"$ hubgate {' '.join(DEMO)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="hubgate-demo-") as home:
        # A subprocess, not an import: the test Hub stays independent of the package it tests, and
        # the working directory holds no policy or config file of the caller's.
        done = subprocess.run([sys.executable, "-m", "hubgate", *DEMO], env=demo_env(url, home), cwd=home)
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hubgate.testhub",
        description="Serve the loopback test Hub on 127.0.0.1 (a random port) with made-up repos and tokens.",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the README's quick-start `hubgate check` against it, then stop (exit code: the check's)",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    args = parser.parse_args(argv)
    with HubSim(latency=args.latency) as hub:
        add_alternatives(populate(hub))
        print(instructions(hub.url), flush=True)
        if args.demo:
            return run_demo(hub.url)
        print("Ctrl-C stops it.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: loading the bundled model registry, cold (parse every YAML file) against the compiled cache,
and the summary a check reads (no pydantic) against the validated registry.

Prints the median of several runs for each step: reading and parsing the YAML (libyaml's CSafeLoader when
present, and the pure-Python SafeLoader for comparison), validating the entries with pydantic, and the
whole `load_registry()` without a cache, writing the cache, and reading it back; then `load_summary()` from
its cache; then each of the two in a fresh interpreter, imports included, as a check pays for it.

    .venv/bin/python benchmarks/bench_registry_load.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from hubgate.paths import bundled_dir  # noqa: E402
from hubgate.registry.folders import registry_files  # noqa: E402
from hubgate.registry.loader import load_registry, validate_data  # noqa: E402
from hubgate.registry.summary import load_summary  # noqa: E402
from hubgate.registry.yaml_reader import StrictLoader  # noqa: E402


def median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def fresh_ms(code: str, repeat: int) -> float:
    """Median wall time of `python -c code` with hubgate's source on the path."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(ROOT / "src")})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    folder = bundled_dir()
    assert folder is not None, "no bundled registry found"
    files = registry_files(folder)
    texts = [path.read_text(encoding="utf-8") for path in files]
    print(f"registry: {folder} ({len(files)} files, {sum(map(len, texts)) / 1024:.0f} KiB)")
    print(f"libyaml (CSafeLoader): {'yes' if hasattr(yaml, 'CSafeLoader') else 'no'}")

    def parse_c() -> list[object]:
        return [yaml.load(text, Loader=StrictLoader) for text in texts]  # StrictLoader is a safe loader

    def parse_py() -> list[object]:
        return [yaml.load(text, Loader=yaml.SafeLoader) for text in texts]

    parsed = parse_c()
    rows = [
        ("parse YAML (CSafeLoader, duplicate-key check)", median_ms(parse_c, args.repeat)),
        ("parse YAML (pure-Python SafeLoader)", median_ms(parse_py, args.repeat)),
        (
            "validate entries (pydantic)",
            median_ms(
                lambda: [validate_data(p, d) for p, d in zip(files, parsed, strict=True)],  # type: ignore[arg-type]
                args.repeat,
            ),
        ),
        (
            "load_registry(), no cache",
            median_ms(lambda: load_registry(env=False, cache_dir=False), args.repeat),
        ),
    ]
    with tempfile.TemporaryDirectory() as cache:
        cache_dir = Path(cache)
        start = time.perf_counter()
        load_registry(env=False, cache_dir=cache_dir)
        rows.append(("load_registry(), cold cache (parse + write)", (time.perf_counter() - start) * 1000))
        rows.append(
            (
                "load_registry(), warm cache",
                median_ms(lambda: load_registry(env=False, cache_dir=cache_dir), args.repeat),
            )
        )
        load_summary(env=False, cache_dir=cache_dir)
        rows.append(
            (
                "load_summary(), warm cache",
                median_ms(lambda: load_summary(env=False, cache_dir=cache_dir), args.repeat),
            )
        )
        for name, call in (
            ("fresh process: load_registry(), warm cache", "hubgate.registry.loader import load_registry"),
            ("fresh process: load_summary(), warm cache", "hubgate.registry.summary import load_summary"),
        ):
            function = call.rpartition(" ")[2]
            code = f"from {call}; {function}(env=False, cache_dir=__import__('pathlib').Path({cache!r}))"
            rows.append(
                (f"{name} (minus start-up)", fresh_ms(code, args.repeat) - fresh_ms("pass", args.repeat))
            )
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.1f} ms")


if __name__ == "__main__":
    main()

"""Counts and sizes as people read them."""

from __future__ import annotations

GIB = 2**30


def gib(count: int | None) -> str:
    """Bytes in GiB (2^30), one decimal; `?` when unknown."""
    return "?" if count is None else f"{count / GIB:.1f} GiB"


def human_count(count: int | None) -> str:
    """1_235_814_400 -> 1.24B, 124_439_808 -> 124.44M; `?` when unknown."""
    if count is None:
        return "?"
    for scale, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if count >= scale:
            return f"{count / scale:.2f}".rstrip("0").rstrip(".") + suffix
    return str(count)


def human_context(tokens: int) -> str:
    """4096 -> 4k, 131072 -> 128k, 2048 -> 2k, 1000 -> 1,000."""
    return f"{tokens // 1024}k" if tokens >= 1024 and tokens % 1024 == 0 else f"{tokens:,}"

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


def human_bytes(count: int) -> str:
    """Decimal units, as the Hub's file pages show them: 1_340_000_000 -> 1.34 GB."""
    for scale, suffix in ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if count >= scale:
            return f"{count / scale:.2f}".rstrip("0").rstrip(".") + f" {suffix}"
    return f"{count} B"


def parse_bytes(text: str) -> int:
    """'20GB', '1.5 TB', '500MB', '20GiB', '1000' (bytes) -> bytes; ValueError otherwise."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 20GB, 500MB, 1.5TB)")
    number, unit = float(match.group(1)), (match.group(2) or "b").lower()
    if unit == "b":
        return int(number)
    power = "kmgt".index(unit[0]) + 1
    base = 1024 if "i" in unit else 1000
    return int(number * base**power)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 problem`, `2 problems`; `plural_form` for irregular words (`1 needs action`, `2 need action`)."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"

"""`hubgate request`: the batch shown before the one question, and the results as a table or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from hubgate.access.form import PROMPT_TERMS
from hubgate.access.run import RequestResult
from hubgate.units import plural

if TYPE_CHECKING:
    from rich.console import Console


def request_json(results: list[RequestResult], *, endpoint: str, dry_run: bool, recorded: int) -> str:
    doc = {
        "endpoint": endpoint,
        "dry_run": dry_run,
        "recorded_pending": recorded,
        "results": [r.to_dict() for r in results],
    }
    return json.dumps(doc, indent=2) + "\n"


def batch_text(ready: list[RequestResult], user: str | None) -> str:
    """Before the one question: what is sent, as whom, and each distinct gate's terms once."""
    count = len(ready)
    lines = [
        f"\nReady to send {count} access request{'s' if count != 1 else ''}"
        + (f" as {user}:" if user else ":")
    ]
    groups: dict[str, list[RequestResult]] = {}
    for result in ready:
        groups.setdefault(
            repr((result.prompt, [f["name"] for f in result.fields if f["type"] == "checkbox"])), []
        ).append(result)
    terms = False
    for group in groups.values():
        first = group[0]
        names = ", ".join(r.repo_id or r.input for r in group[:3]) + (
            f" and {len(group) - 3} more" if len(group) > 3 else ""
        )
        boxes = [f["name"] for f in first.fields if f["type"] == "checkbox"]
        lines.append(f"  {names}")
        if first.prompt and first.prompt.strip():
            lines.append(f"    {_printable(first.prompt)}")
        lines.extend(f"    [x] {_printable(name)}" for name in boxes)
        terms = terms or bool(boxes) or bool(first.prompt and first.prompt.strip())
    for result in ready:
        if result.covers:
            lines.append(
                f"  one request for gating group {result.gating_group} (on {result.repo_id}) covers "
                f"{len(result.covers) + 1} repos: {', '.join(result.covers[:3])}"
                + (f" and {len(result.covers) - 3} more" if len(result.covers) > 3 else "")
                + " too"
            )
    lines.append(
        "Each request shares your Hub name and email with the repo's authors"
        + ("; sending accepts the terms shown above." if terms else ".")
    )
    return "\n".join(lines)


def _printable(text: str) -> str:
    """The authors' words on one line, without control characters (a card could move the cursor)."""
    return "".join(ch for ch in " ".join(text.split()) if ch.isprintable())


def _is_terms(result: RequestResult, name: str) -> bool:
    return name == PROMPT_TERMS or any(f["name"] == name and f["type"] == "checkbox" for f in result.fields)


def _short(result: RequestResult) -> str:
    """The table's one line for a repo (the JSON keeps the full message)."""
    if result.outcome.value != "form-incomplete":
        return result.message
    answers = [name for name in result.missing if not _is_terms(result, name)]
    parts = [f"{len(answers)} answer{'s' if len(answers) != 1 else ''} missing"] if answers else []
    if any(_is_terms(result, name) for name in result.missing):
        parts.append("terms not accepted")
    return "; ".join(parts) or result.message


def render_to(console: Console, results: list[RequestResult], *, dry_run: bool, recorded: int) -> None:
    """The results table, each distinct gate form once (prompt, fields, what is missing), then what to
    do about missing answers and terms."""
    from hubgate.render.layout import IdTable

    table = IdTable(
        "repo",
        "gate",
        "outcome",
        "details",
        title="hubgate request" + (" (dry run: nothing sent)" if dry_run else ""),
    )
    for r in results:
        table.add_row(r.repo_id or r.input, r.gate_mode or "-", r.outcome.value, _short(r))
    console.print(table)
    forms: dict[str, list[RequestResult]] = {}
    for r in results:
        if (r.fields or r.prompt) and r.outcome.value in ("would-send", "form-incomplete"):
            forms.setdefault(repr((r.prompt, r.button, r.fields)), []).append(r)
    missing: list[str] = []
    terms = False
    for group in forms.values():
        first = group[0]
        names = ", ".join(r.repo_id or r.input for r in group[:2]) + (
            f" and {len(group) - 2} more" if len(group) > 2 else ""
        )
        lines = [f"Form of {names}" + (f' (button "{first.button}")' if first.button else "") + ":"]
        if first.prompt:
            lines.append(f"  {' '.join(first.prompt.split())}")
        for f in first.fields:
            options = f" ({' | '.join(f['options'])})" if f["options"] else ""
            lines.append(f"  - {f['name']} [{f['type']}]{options}{' optional' if f['optional'] else ''}")
        _plain(console, "\n".join(lines))
        for r in group:
            for name in r.missing:
                is_terms = _is_terms(r, name)
                terms = terms or is_terms
                if not is_terms and name not in missing:
                    missing.append(name)
    if recorded:
        _plain(
            console,
            f"{plural(recorded, 'pending request')} recorded in the watch state: "
            "`hubgate watch` on the same repos reports when access lands.",
        )
    if missing:
        _plain(
            console, f"Missing answers: {', '.join(missing)}: pass --answers FILE or --field 'Name=value'."
        )
    if terms:
        _plain(
            console,
            "Terms not accepted: read them, then pass --accept-terms (or run on a terminal and answer yes).",
        )


def _plain(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False)

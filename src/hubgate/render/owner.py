"""Owner-side results (`hubgate requests`) as text: table (people), JSON (scripts), CSV (spreadsheets).

Names, emails and gate-form answers are typed by requesters: the table strips control characters
(no terminal escapes from a form answer) and the CSV defuses cells that spreadsheets would run as
formulas. The caller scrubs tokens from the final text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hubgate.owner.client import PAST, AccessRequestInfo, ActionResult, Target
from hubgate.owner.plan import Decision
from hubgate.owner.run import AutoRun

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(value: Any) -> str:
    return _CONTROL.sub(" ", "" if value is None else str(value)).strip()


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _short_time(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "-"


def _fields_text(fields: dict[str, Any]) -> str:
    return "; ".join(f"{_clean(key)}={_clean(value)}" for key, value in fields.items())


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


# -- listings ------------------------------------------------------------------------------------------


def request_json(request: AccessRequestInfo) -> dict[str, Any]:
    return {
        "request_id": request.request_id,
        "user": request.user,
        "fullname": request.fullname,
        "email": request.email,
        "status": request.status,
        "timestamp": _iso(request.timestamp),
        "fields": request.fields,
        "reviewed_at": _iso(request.reviewed_at),
    }


def list_table(
    requests: Sequence[AccessRequestInfo], *, status: str, repo_label: str, width: int = 1000
) -> str:
    """The requests in columns at most `width` wide (each requester's name whole: render/layout.py)."""
    from rich.console import Console
    from rich.markup import escape

    from hubgate.render.layout import IdTable

    if not requests:
        return f"No {status} access requests on {repo_label}.\n"
    hidden = any(r.user is None for r in requests)
    reviewed = any(r.reviewed_at is not None for r in requests)
    table = IdTable(
        "USER",
        "NAME",
        "EMAIL",
        "REQUESTED",
        *(["REVIEWED"] if reviewed else []),
        "FIELDS",
        box=None,
        pad_edge=False,
    )
    for r in requests:
        cells = [
            _clean(r.fullname) or "-",
            _clean(r.email) or "-",
            _short_time(r.timestamp),
            *([_short_time(r.reviewed_at) if r.reviewed_at else "-"] if reviewed else []),
            _fields_text(r.fields) or "-",
        ]
        table.add_row(_clean(r.target.label), *(escape(cell) for cell in cells))
    console = Console(width=width, color_system=None, highlight=False)
    with console.capture() as capture:
        console.print(table)
    lines = [
        f"{len(requests)} {status} access request{'s' if len(requests) != 1 else ''} on {repo_label}:",
        "",
    ]
    lines += [line.rstrip() for line in capture.get().splitlines()]
    if hidden:
        lines += [
            "",
            "This repo hides requesters' names: pass id:REQUEST_ID as USER to accept, reject or cancel.",
        ]
    return "\n".join(lines) + "\n"


def list_json(requests: Sequence[AccessRequestInfo], *, status: str, repo_id: str, repo_type: str) -> str:
    payload = {
        "repo": repo_id,
        "repo_type": repo_type,
        "status": status,
        "count": len(requests),
        "requests": [request_json(r) for r in requests],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text  # a spreadsheet would evaluate it: keep it text
    return text


def list_csv(requests: Sequence[AccessRequestInfo]) -> str:
    """One row per request; each gate-form field gets its own `field:NAME` column."""
    keys: list[str] = []
    for r in requests:
        keys += [str(k) for k in r.fields if str(k) not in keys]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "request_id",
            "user",
            "fullname",
            "email",
            "status",
            "timestamp",
            *[f"field:{k}" for k in keys],
            "reviewed_at",  # last: the columns before it keep their places
        ]
    )
    for r in requests:
        fields = {str(k): v for k, v in r.fields.items()}
        row = [r.request_id, r.user, r.fullname, r.email, r.status, _iso(r.timestamp)]
        row += [
            fields.get(k) if not isinstance(fields.get(k), dict | list) else json.dumps(fields[k])
            for k in keys
        ]
        row.append(_iso(r.reviewed_at))
        writer.writerow([_csv_cell(cell) for cell in row])
    return out.getvalue()


# -- answers -------------------------------------------------------------------------------------------


def result_line(result: ActionResult) -> str:
    label = _clean(result.target.label)
    if result.outcome == "done":
        word = PAST.get(result.action, result.action)
        return f"{word:<10} {label}" + (f"  ({result.note})" if result.note else "")
    word = {"failed": "FAILED", "error": "ERROR", "skipped": "SKIPPED"}.get(result.outcome, result.outcome)
    why = (
        result.note
        if result.outcome == "skipped" and result.note
        else (result.problem.message if result.problem else "")
    )
    return f"{word:<10} {label}  {why}"


def summary(results: Sequence[ActionResult], *, action: str, repo_label: str) -> str:
    done = [r for r in results if r.outcome == "done"]
    failed = [r for r in results if r.outcome == "failed"]
    errors = [r for r in results if r.outcome == "error"]
    skipped = [r for r in results if r.outcome == "skipped"]
    parts = [f"{len(done)} {PAST.get(action, action)}"]
    if failed:
        parts.append(f"{len(failed)} failed")
    if errors:
        parts.append(f"{len(errors)} not answered (Hub or network errors)")
    if skipped:
        parts.append(f"{len(skipped)} not sent")
    text = f"{action} on {repo_label}: " + ", ".join(parts)
    not_done = failed + errors + skipped
    if not_done:
        text += "\nNot done: " + ", ".join(_clean(r.target.label) for r in not_done)
    return text + "\n"


def result_json(result: ActionResult) -> dict[str, Any]:
    problem = result.problem
    return {
        "user": result.target.user,
        "request_id": result.target.request_id,
        "action": result.action,
        "outcome": result.outcome,
        "attempts": result.attempts,
        "note": result.note,
        "error": None
        if problem is None
        else {
            "kind": problem.kind,
            "status": problem.status,
            "message": problem.message,
            "hub_message": problem.server_message,
        },
    }


def results_json(
    results: Sequence[ActionResult],
    *,
    action: str,
    repo_id: str,
    repo_type: str,
    dry_run: bool = False,
    plan: list[str] | None = None,
    exit_code: int | None = None,
) -> str:
    counts: dict[str, int] = {"done": 0, "failed": 0, "error": 0, "skipped": 0}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    payload = {
        "repo": repo_id,
        "repo_type": repo_type,
        "action": action,
        "dry_run": dry_run,
        **({"plan": plan} if plan is not None else {}),
        "counts": counts,
        "exit_code": exit_code,
        "results": [result_json(r) for r in results],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def dry_run(targets: Sequence[Target], plan: str, where: dict[str, str], *, as_json: bool) -> str:
    """What a dry run would have done: the plan, or the JSON answer with no results."""
    if not as_json:
        return plan + "Dry run: nothing was sent to the Hub.\n"
    labels = [t.label for t in targets]
    return results_json([], **where, dry_run=True, plan=labels, exit_code=0)


# -- rules ---------------------------------------------------------------------------------------------


def decisions_table(decisions: Sequence[Decision], *, repo_label: str, apply: bool) -> str:
    if not decisions:
        return f"No pending access requests on {repo_label}.\n"
    rows = [["DECISION", "USER", "EMAIL", "WHY"]]
    for d in decisions:
        verb = ("accept" if apply else "would accept") if d.accept else "leave pending"
        rows.append([verb, _clean(d.request.target.label), _clean(d.request.email) or "-", _clean(d.why)])
    return "\n".join(_columns(rows)) + "\n"


def decisions_json(decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    return [{**request_json(d.request), "accept": d.accept, "why": d.why} for d in decisions]


def listing(
    found: Sequence[AccessRequestInfo],
    fmt: str,
    *,
    status: str,
    repo_id: str,
    repo_type: str,
    width: int = 1000,
) -> str:
    """`requests list` in `fmt` (table, json or csv); the table at most `width` wide."""
    if fmt == "json":
        return list_json(found, status=status, repo_id=repo_id, repo_type=repo_type)
    if fmt == "csv":
        return list_csv(found)
    return list_table(found, status=status, repo_label=f"{repo_type} {repo_id}", width=width)


def action_report(
    results: Sequence[ActionResult],
    *,
    as_json: bool,
    action: str,
    repo_id: str,
    repo_type: str,
    exit_code: int,
) -> str:
    """What an action command (accept, reject, cancel, grant) prints once every result is in (the table's lines came one by one)."""
    if as_json:
        return results_json(results, action=action, repo_id=repo_id, repo_type=repo_type, exit_code=exit_code)
    return summary(results, action=action, repo_label=f"{repo_type} {repo_id}")


def auto_report(
    run: AutoRun, *, as_json: bool, repo_id: str, repo_type: str, rules: str, apply: bool, exit_code: int
) -> str:
    """`requests auto`: the decisions, and with --apply the results of acting on them."""
    if not as_json:
        return auto_table(run, repo_label=f"{repo_type} {repo_id}", apply=apply)
    return auto_json(run, repo_id=repo_id, repo_type=repo_type, rules=rules, apply=apply, exit_code=exit_code)


def auto_json(run: AutoRun, *, repo_id: str, repo_type: str, rules: str, apply: bool, exit_code: int) -> str:
    payload = {
        "repo": repo_id,
        "repo_type": repo_type,
        "rules": rules,
        "apply": apply,
        "pending": len(run.decisions),
        "matched": len(run.chosen),
        "decisions": decisions_json(run.decisions),
        "results": [result_json(r) for r in run.results],
        "exit_code": exit_code,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def auto_table(run: AutoRun, *, repo_label: str, apply: bool) -> str:
    text = decisions_table(run.decisions, repo_label=repo_label, apply=apply)
    if not apply:
        return text + (
            f"Dry run: {len(run.chosen)} of {len(run.decisions)} pending requests match the rules; "
            "nothing was sent. Add --apply to accept them.\n"
        )
    if run.results:
        text += "\n".join(result_line(r) for r in run.results) + "\n"
    return text + summary(run.results, action="accept", repo_label=repo_label)

"""`hubgate watch`: what changed since the last run (table or JSON), and the recorded history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubgate.check.report import report_json
from hubgate.render import table
from hubgate.units import plural
from hubgate.watch.run import WatchResult
from hubgate.watch.state import UNRECORDED

if TYPE_CHECKING:
    from rich.console import Console


def watch_json(result: WatchResult, state: Path) -> str:
    """The check contract plus `changes`, `first_seen`, `skipped`, `state` and `notifications`."""
    checked = result.checked
    data = report_json(checked.report)
    data["changes"] = [change.as_json() for change in result.real_changes]
    data["first_seen"] = [change.repo_id for change in result.first_seen]
    data["skipped"] = checked.skipped
    data["state"] = {"path": str(state), "recorded": checked.account is not None, "account": checked.account}
    data["notifications"] = [vars(d) for d in result.deliveries]
    return json.dumps(data, indent=2) + "\n"


def render_to(
    console: Console, result: WatchResult, state: Path, *, on_change: bool = False, verbose: bool = False
) -> None:
    """What changed (or that nothing did), what was skipped, how notifications went, then the table.
    `on_change`: the exit code tells whether something changed (so the table's summary gives no reason
    for it); `verbose`: the summary adds the run's requests and quota."""
    from rich.markup import escape

    from hubgate.verdicts.exit_codes import parse_fail_on

    checked, changes, first_seen = result.checked, result.real_changes, result.first_seen
    report, skipped = checked.report, checked.skipped
    recorded = [v for v in report.verdicts if v.status not in UNRECORDED and v.model_id is not None]
    if checked.account is None:
        console.print(
            f"[yellow]State not updated:[/] the token could not be identified ({escape(str(state))} unchanged)."
        )
    if changes:
        console.print(f"[bold]Changes since the last run ({len(changes)}):[/]")
        for change in changes:
            console.print(f"   • {escape(change.describe())}")
            if change.next_step and change.new_status not in ("open", "granted"):
                console.print(f"      → {escape(change.next_step)}")
        if first_seen:
            console.print(f"{plural(len(first_seen), 'repo')} checked for the first time (recorded).")
    elif first_seen and len(first_seen) == len(recorded) and not skipped:
        console.print(
            f"First check: {plural(len(first_seen), 'repo')} recorded in {escape(str(state))}; "
            "later runs report what changed."
        )
    elif first_seen:
        console.print(
            f"No changes since the last run; {plural(len(first_seen), 'repo')} checked for the first time."
        )
    elif checked.account is not None:
        console.print("No changes since the last run.")
    if skipped:
        console.print(
            f"Skipped {plural(len(skipped), 'repo')} already granted, open or rejected (use --all to re-check them): "
            + escape(", ".join(skipped))
        )
    for delivery in result.deliveries:
        if delivery.failed:
            console.print(
                f"[red]Notification via {delivery.target} failed[/] ({escape(delivery.error or '')}); "
                f"{delivery.failed} pending, sent again on the next run."
            )
        elif delivery.delivered:
            console.print(f"Notification via {delivery.target}: {delivery.delivered} delivered.")
    console.print()
    if not on_change and not any(delivery.failed for delivery in result.deliveries):
        report.failing, report.failing_from = parse_fail_on("action"), "watch's fail-on (action)"
    if report.verdicts:
        table.render_to(console, report, verbose=verbose)


def history_text(rows: list[dict[str, Any]], as_json: bool) -> str:
    """`watch --history`: the recorded transitions, as JSON or one plain line each."""
    if as_json:
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return "No transitions recorded.\n"
    # Plain lines, not a Rich table: ids are long and a table would cut them in pipes and logs.
    lines = []
    for row in rows:
        change = f"{row['from']} -> {row['to']}" if row["from"] else f"{row['to']} (first check)"
        gate = row["gated_to"] or ""
        if row["from"] and row["gated_from"] != row["gated_to"]:
            gate = f"gate {row['gated_from'] or 'none'} -> {row['gated_to'] or 'none'}"
        lines.append(
            f"{row['at']}  {row['account']}  {row['repo_type']}  {row['id']}  {change}  {gate}".rstrip()
        )
    return "".join(line + "\n" for line in lines)

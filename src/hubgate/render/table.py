"""The grouped human report (the default), in the spirit of check_models.sh's output."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from hubgate.check.report import Report
from hubgate.hub.token import TokenInfo
from hubgate.inputs.refs import visible
from hubgate.render.visible import printable
from hubgate.units import plural
from hubgate.verdicts.verdict import Status, Verdict

Annotate = Callable[[Verdict], str | None]

STATUS_STYLE = {
    Status.OPEN: "green",
    Status.GRANTED: "green",
    Status.PENDING: "yellow",
    Status.NOT_REQUESTED: "yellow",
    Status.NEEDS_LOGIN: "yellow",
    Status.TOKEN_SCOPE: "yellow",
    Status.TOKEN_INVALID: "red",
    Status.REJECTED: "red",
    Status.NOT_FOUND: "red",
    Status.DISABLED: "red",
    Status.REVISION_NOT_FOUND: "red",
    Status.INVALID: "red",
    Status.ERROR: "magenta",
}


def token_line(info: TokenInfo, hub_down: str | None = None) -> str:
    """`hub_down`: why the run stopped asking the Hub; a token left unidentified by it says so briefly
    (the cause is the report's headline, said once)."""
    if not info.present:
        return f"Token: none ({'--anonymous' if info.source == '--anonymous' else 'no token found'}): anonymous checks"
    if info.valid is False:
        return f"Token: from {info.source}: [red]rejected by the Hub[/] (invalid, expired or revoked)"
    if info.valid is None and hub_down and hub_down in (info.error or ""):
        return f"Token: from {info.source}: could not be identified (no answer from the Hub: see below)"
    if info.valid is None:
        return f"Token: from {info.source}: could not be identified ({escape(info.error or 'unknown')})"
    name = f' "{escape(info.name)}"' if info.name else ""
    role = {"fineGrained": "fine-grained"}.get(info.role or "", info.role or "unknown role")
    gated = {True: "yes", False: "[yellow]no[/]", None: "unknown"}[info.can_read_gated]
    return f"Token: {escape(info.user or '?')} · {role} token{name} · from {info.source} · reads gated repos: {gated}"


def _name(verdict: Verdict) -> str:
    shown = escape(verdict.model_id or verdict.input)
    if verdict.asked_as:
        shown += f" [dim](asked as {escape(verdict.asked_as)})[/]"
    if verdict.revision:
        shown += (
            f"[dim]@{escape(verdict.revision)}" + (f" ({verdict.sha[:12]})" if verdict.sha else "") + "[/]"
        )
    if verdict.repo_type == "dataset":
        shown += " [dim](dataset)[/]"
    return shown


def _mode(verdict: Verdict) -> str:
    """What kind of repo it is, said per line (group headings say only what is true of every member)."""
    if verdict.is_gated:
        return f" [dim]· gated, {verdict.gated_mode}[/]" if verdict.gated_mode else " [dim]· gated[/]"
    if verdict.private:
        return " [dim]· private[/]"
    return ""


def facts_line(registry: dict[str, Any]) -> str:
    """A verdict's `registry` facts as one short line: `7.2B params · apache-2.0 · 32k context`."""
    from hubgate.units import human_context, human_count

    parts = []
    if registry.get("parameters"):
        parts.append(f"{human_count(registry['parameters'])} params")
    if registry.get("license"):
        parts.append(str(registry["license"]))
    if registry.get("context_window"):
        parts.append(f"{human_context(registry['context_window'])} context")
    return " · ".join(parts)


def registry_facts(verdict: Verdict) -> str | None:
    """The default annotation: the registry's facts (size, licence, context), when it knows the model."""
    return facts_line(verdict.registry) or None if verdict.registry else None


def fit_line(fit: dict[str, Any]) -> str:
    """`fit (bfloat16, 4k context, needs 13.9 GiB): L4 fits, 7.4 GiB free · T4 no (2 GPUs or int8 on 1)`."""
    from hubgate.fit.judge import GpuFit
    from hubgate.units import gib, human_context

    gpus = " · ".join(f"{g['label']} {GpuFit(**g).summary()}" for g in fit.get("gpus", []))
    if fit.get("total_bytes") is None:
        return f"fit unknown: {fit.get('reason') or 'parameter count not known'}"
    line = f"fit ({fit['dtype']}, {human_context(fit['context'])} context, needs {gib(fit['total_bytes'])}): {gpus}"
    for alt in fit.get("alternatives") or ():
        others = " · ".join(f"{g['label']} {GpuFit(**g).summary()}" for g in alt.get("gpus", []))
        line += (
            f"; published precision unknown: bfloat16 figures; at {alt['dtype']} it needs "
            f"{gib(alt['total_bytes'])}: {others}"
        )
    return line


def render_to(
    console: Console, report: Report, annotate: Annotate | None = registry_facts, *, verbose: bool = False
) -> None:
    """The grouped report; `verbose` adds the run's bookkeeping (requests, quotas, cache) to the summary."""
    report = printable(report)

    def facts(verdict: Verdict) -> str:
        extra = annotate(verdict) if annotate else None
        return f"  [dim]{escape(extra)}[/]" if extra else ""

    if not report.verdicts and report.scan_where is not None:
        # A scan that found nothing checked nothing and asked the Hub nothing: one line says so.
        console.print(f"Nothing checked: the scan found no Hub repo ids in {escape(report.scan_where)}.")
        return
    console.print(token_line(report.token, report.hub_down))
    console.print(f"[dim]Hub: {escape(report.endpoint)}[/]")

    # Errors with one cause (the Hub down) are one headline, not one identical block per repo.
    causes = report.causes()
    grouped = {id(v) for _, members in causes for v in members}
    # Headings true of every member: whether a repo is gated, private or public is said on its line.
    groups: list[tuple[str, list[Verdict], bool]] = [
        ("[green]✔ Usable now[/]", report.usable(), False),
        ("[yellow]✗ Action needed[/]", report.action_needed(), True),
        ("[red]⚠ Problems[/]", report.problems(), True),
    ]
    for title, members, detailed in groups:
        if not members:
            continue
        console.print()
        console.print(f"{title} ({len(members)})")
        if title.endswith("Problems[/]"):
            for cause, together in causes:
                _print_cause(console, report, cause, together)
        for verdict in members:
            if id(verdict) in grouped:
                continue
            if not detailed:
                console.print(
                    f"   • {_name(verdict)}  [green]{verdict.status.value}[/]{_mode(verdict)}{facts(verdict)}"
                )
                _print_collection(console, verdict)
                _print_findings(console, verdict)
                _print_bases(console, verdict)
                _print_fit(console, verdict)
                continue
            style = STATUS_STYLE[verdict.status]
            console.print(
                f"   ✗ {_name(verdict)}  [{style}]{verdict.status.value}[/]{_mode(verdict)}{facts(verdict)}"
            )
            kinds = report.failed_by_finding(verdict)
            if kinds:  # usable, but a finding the policy selects fails the run
                console.print(f"      {escape(finding_failure(report, kinds))}", style="dim")
            else:
                console.print(f"      {escape(verdict.message)}", style="dim")
            if verdict.next_step and not kinds:
                console.print(f"      → {escape(verdict.next_step)}")
            if verdict.url and verdict.url not in (verdict.next_step or "") and not kinds:
                console.print(f"      → {escape(verdict.url)}")
            _print_collection(console, verdict)
            if verdict.places:
                console.print(
                    f"      used at {escape(', '.join(str(p) for p in verdict.places))}", style="dim"
                )
            _print_findings(console, verdict)
            _print_bases(console, verdict)
            _print_alternatives(console, verdict)
            _print_fit(console, verdict)
    if report.collections:
        console.print()
        for line in collection_lines(report):
            console.print(escape(line), style="dim")
    console.print()
    console.print(summary_line(report, verbose=verbose))


def finding_failure(report: Report, kinds: list[str]) -> str:
    """Why a repo the Hub lets you download fails the run: the rules (finding kinds) and their source."""
    rules = ", ".join(kinds)
    return f"usable, but fails the run: {rules} (selected by {report.failing_from or 'fail-on'})"


def _print_cause(console: Console, report: Report, cause: str, together: list[Verdict]) -> None:
    console.print(f"   ✗ [magenta]{escape(report.headline(cause, together))}[/]")
    console.print(f"      {escape(', '.join(v.model_id or v.input for v in together))}", style="dim")
    if together[0].next_step:
        console.print(f"      → {escape(together[0].next_step)}")


def collection_lines(report: Report) -> list[str]:
    """Per collection input: what it held and what it left out (spaces, papers), escaped of control characters."""
    lines = []
    for outcome in report.collections:
        title = f" ({outcome.title})" if outcome.title else ""
        lines.append(visible(f"Collection {outcome.name}{title}: {outcome.note()}"))
        if outcome.skipped:
            shown = ", ".join(f"{kind} {item}" for kind, item in outcome.skipped[:10])
            more = f" and {len(outcome.skipped) - 10} more" if len(outcome.skipped) > 10 else ""
            lines.append(visible(f"   not checked: {shown}{more}"))
    return lines


def _print_collection(console: Console, verdict: Verdict) -> None:
    if verdict.collection and verdict.model_id is not None:
        console.print(f"      from collection {escape(verdict.collection)}", style="dim")


def _print_bases(console: Console, verdict: Verdict) -> None:
    for base in verdict.requires:
        need = "needed to load it" if base.needed else "not needed to load it"
        style = STATUS_STYLE[base.status]
        console.print(
            f"      {'  ' * (base.depth - 1)}↳ {base.relation} of {escape(base.id)}: [{style}]{base.status.value}[/] [dim]({need})[/]"
        )


def _print_findings(console: Console, verdict: Verdict) -> None:
    for finding in verdict.findings:
        console.print(f"      [yellow]! {finding.kind}[/]: {escape(finding.message)}")


def _print_fit(console: Console, verdict: Verdict) -> None:
    if verdict.fit:
        console.print(f"      [dim]{escape(fit_line(verdict.fit))}[/]")


def _print_alternatives(console: Console, verdict: Verdict) -> None:
    if not verdict.alternatives:
        return
    from hubgate.units import human_count

    listed = ", ".join(
        f"{alt.id} ({human_count(alt.parameters)}, {alt.license or 'licence unknown'})"
        for alt in verdict.alternatives
    )
    console.print(f"      ⇢ meanwhile, open and usable now: {escape(listed)}")


def exit_reason(report: Report) -> str | None:
    """Why the run's exit code is not 0, in words (None when it is 0, or not known to the report)."""
    code = report.exit_code()
    if not code:
        return None
    failed = report.failed()
    if code == 3:
        errors = sum(1 for v in failed if v.status == Status.ERROR)
        return f"exit 3: {plural(errors, 'repo')} got no verdict (Hub or network errors)"
    pieces = []
    statuses = Counter(v.status.value for v in failed if report.failing and v.status in report.failing)
    if statuses:
        listed = ", ".join(f"{n} {status}" for status, n in statuses.items())
        pieces.append(f"{plural(sum(statuses.values()), 'repo')} not usable ({listed})")
    kinds = Counter(kind for v in failed for kind in report.failed_by_finding(v))
    if kinds:
        listed = ", ".join(kinds)
        flagged = sum(1 for v in failed if report.failed_by_finding(v))
        pieces.append(f"{plural(flagged, 'repo')} with a {listed} finding")
    return f"exit {code}: {'; '.join(pieces)}, failed by {report.failing_from or 'fail-on'}"


def summary_line(report: Report, *, verbose: bool = False) -> Text | str:
    """What a user acts on: the counts and why the exit code is not 0; `verbose` adds the statuses and
    the bookkeeping (requests per bucket, quota left, cache, budget), which JSON always carries."""
    counts = report.summary()
    total = len(report.verdicts)
    usable = len(report.usable())
    parts = [f"{total} checked", f"{usable} usable"]
    if report.action_needed():
        parts.append(plural(len(report.action_needed()), "needs action", "need action"))
    if report.problems():
        parts.append(plural(len(report.problems()), "problem"))
    flagged = sum(1 for v in report.verdicts if v.findings)
    if flagged:
        parts.append(f"{flagged} with pre-flight findings")
    reason = exit_reason(report)
    if reason:
        parts.append(f"[bold]{escape(reason)}[/]")
    line = f"[bold]Summary:[/] {' · '.join(parts)}"
    if not verbose:  # the groups above say the rest
        return line
    detail = "; ".join(filter(None, [", ".join(f"{n} {s}" for s, n in counts.items()), bookkeeping(report)]))
    return f"{line}  [dim]({detail})[/]"


def bookkeeping(report: Report) -> str:
    """Requests per bucket, quota left, what the cache decided, the budget: `-v`'s part of the summary."""
    sent = sum(report.requests.values())
    by_bucket = ", ".join(f"{n} {bucket}" for bucket, n in sorted(report.requests.items()))
    requests = f"{plural(sent, 'request')} ({by_bucket})" if sent else "no requests"
    for bucket, quota in sorted(report.quotas.items()):
        of = f" of {quota['limit']:,}" if quota.get("limit") else ""
        requests += f"; {bucket} quota left {quota['remaining']:,}{of}"
    cached = sum(1 for v in report.verdicts if v.cost is not None and v.cost.via == "cache")
    if cached:
        requests += f"; {cached:,} decided by file probes and the metadata cache"
    if report.budget:
        requests += "; budget " + ", ".join(f"{b} {n:,}" for b, n in sorted(report.budget.items()))
    return requests


def render(
    report: Report,
    *,
    color: bool = False,
    annotate: Annotate | None = registry_facts,
    width: int = 100,
    verbose: bool = False,
) -> str:
    console = Console(record=True, color_system="standard" if color else None, width=width, soft_wrap=True)
    with console.capture() as capture:
        render_to(console, report, annotate, verbose=verbose)
    return capture.get()

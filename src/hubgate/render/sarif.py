"""SARIF 2.1.0 for GitHub code scanning: one result per place a blocked repo is used, so the finding
shows on the line in a pull request. Repos that fail the run (per --fail-on) are errors, other unusable
ones warnings; usable repos give no access result. Each pre-flight finding (remote code, pickle, license,
size, hub-scan) is a result of its own, under a rule `hubgate/finding/<kind>`, for usable repos too.

What GitHub's SARIF validator requires, and how each is met:
- every result has a location: the place in the code (`--scan`), else the list file and line that named
  the repo (`-f`), else the fallback `_fallback_place` documents (ids typed on the command line);
- every rule has `help` (text and Markdown) and a `helpUri`, a page per rule in the repo's docs/rules;
- a file under the working folder is a relative URI with `uriBaseId: %SRCROOT%`; any other file is an
  absolute `file://` URI with no base id (a base id on an absolute path is SARIF1004);
- URIs are percent-encoded from the file name's bytes, so a name that is not UTF-8 is still valid.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hubgate._version import __version__
from hubgate.check.report import Report
from hubgate.inputs.scan.model import Place
from hubgate.verdicts.verdict import USABLE, Status, Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://huggingface.co/docs/hub/models-gated"
# One page per rule, docs/rules/<slug>.md in this repository (the same address as the README's
# GitHub Action and pre-commit examples).
RULES_DOCS = "https://github.com/your-org/hubgate/blob/main/docs/rules/"
# Where a result with no file of its own is shown, when neither a workflow nor a policy file is there.
FALLBACK_FILE = "hubgate.toml"

_RULE_TEXT = {
    Status.NEEDS_LOGIN: "The repo is gated and the run has no token.",
    Status.NOT_REQUESTED: "The repo is gated and access was never requested with this account.",
    Status.PENDING: "Access was requested and awaits the authors' review.",
    Status.REJECTED: "The authors rejected the access request.",
    Status.TOKEN_SCOPE: "The token may not read gated repos (fine-grained token without that permission).",
    Status.TOKEN_INVALID: "The Hub rejected the token (invalid, expired or revoked).",
    Status.NOT_FOUND: "No such repo, or a private one this token cannot see.",
    Status.DISABLED: "The Hub disabled access to this repo.",
    Status.REVISION_NOT_FOUND: "The pinned revision (branch, tag or commit) does not exist in the repo.",
    Status.INVALID: "The text is not a valid repo id.",
    Status.ERROR: "The Hub's answer could not be classified (see the message).",
}


_FINDING_TEXT = {
    "remote-code": "Loading the model runs Python code from the repo (trust_remote_code).",
    "pickle": "The weights exist only in pickle formats; unpickling can run code.",
    "license": "The licence is missing, 'other', or not allowed by the policy.",
    "size": "The download is larger than the policy's max-size or the free disk space.",
    "hub-scan": "The Hub's own scans flag files of the repo (unsafe, caution or another level), or have "
    "not finished: not scanned yet is never clean.",
    "unpinned": "The code loads the repo without a revision: each run downloads whatever the default "
    "branch holds that day.",
}


# What to do, for the rule's help (the verdict's own message says it for the repo at hand).
_RULE_NEXT = {
    Status.NEEDS_LOGIN: "Log in (`hf auth login` or set HF_TOKEN in the job), then accept the terms or "
    "request access on the repo page.",
    Status.NOT_REQUESTED: "Accept the terms (auto gate: immediate) or request access (manual gate: the "
    "authors review it) on the repo page, or with `hubgate request`.",
    Status.PENDING: "Wait for the authors' review; `hubgate watch` from cron says when access lands.",
    Status.REJECTED: "Contact the authors (the repo's community tab) or use another model.",
    Status.TOKEN_SCOPE: "Give the fine-grained token read access to public gated repos, or use a read "
    "token; for an organization's policy, ask its admins to approve the token.",
    Status.TOKEN_INVALID: "Create a new token and store it (`hf auth login`, or the CI secret).",
    Status.NOT_FOUND: "Check the id and the repo type; log in with an account that can see the repo.",
    Status.DISABLED: "Pick another repo.",
    Status.REVISION_NOT_FOUND: "Pin an existing branch, tag or commit.",
    Status.INVALID: "Fix the entry at the place shown.",
    Status.ERROR: "Re-run later; check the network and HF_ENDPOINT.",
}
_FINDING_NEXT = {
    "remote-code": "Review the code the repo runs, then allow it (`allow-remote-code` in the policy) or "
    "pick a model that needs no remote code.",
    "pickle": "Prefer a safetensors version of the weights, or allow pickle (`allow-pickle`) knowingly.",
    "license": "Check the licence against your use; list its tag in `allowed-licenses` if it is fine.",
    "size": "Raise `max-size`, free disk space, or pick a smaller model.",
    "hub-scan": "Read the scan report on the repo's file page before loading the flagged files; prefer "
    "a repo whose files the Hub scanned clean, or wait until the scans are done.",
    "unpinned": "Pin the commit the check resolved: `hubgate pin` shows the change, `hubgate pin --write` "
    'makes it (revision="<sha>", --revision <sha>, model_revision: <sha>).',
}

# Rules whose id changed before 0.1.0: SARIF's `deprecatedIds` names the old one (docs/rules/finding-license.md).
_FORMER_IDS = {"hubgate/finding/license": ["hubgate/finding/licence"]}


def _rule_id(status: Status) -> str:
    return f"hubgate/{status.value}"


def rule_slug(rule_id: str) -> str:
    """The docs page of a rule: `hubgate/pending` -> pending, `hubgate/finding/pickle` -> finding-pickle."""
    return rule_id.removeprefix("hubgate/").replace("/", "-")


def _rule(rule_id: str, name: str, short: str, full: str, next_step: str, level: str) -> dict[str, Any]:
    page = f"{RULES_DOCS}{rule_slug(rule_id)}.md"
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full} {next_step} More: {page}",
            "markdown": f"{full}\n\n**Next step:** {next_step}\n\n[More about `{rule_id}`]({page})",
        },
        "helpUri": page,
        "defaultConfiguration": {"level": level},
    } | ({"deprecatedIds": _FORMER_IDS[rule_id]} if rule_id in _FORMER_IDS else {})


def _finding_results(
    verdict: Verdict, failing: frozenset[str], index: dict[str, int], fallback: _Fallback
) -> list[dict[str, Any]]:
    name = verdict.model_id or verdict.input
    every = _places(verdict, fallback)
    results = []
    for finding in verdict.findings:
        # an unpinned finding is on the lines that load without a revision, not on every use
        places = [p for p in every if p.unpinned] if finding.kind == "unpinned" else every
        for place in places:
            result: dict[str, Any] = {
                "ruleId": f"hubgate/finding/{finding.kind}",
                "ruleIndex": index[finding.kind],
                "level": "error" if finding.kind in failing else "warning",
                "message": {"text": f"{name}: {finding.message}"},
                "partialFingerprints": {"hubgateRepo/v1": f"{verdict.repo_type}:{name}:{finding.kind}"},
                "properties": {"repo_id": name, "repo_type": verdict.repo_type, "finding": finding.kind},
                "locations": [_location(place)],
            }
            if isinstance(place, _Elsewhere):
                result["properties"]["location"] = "fallback"
            results.append(result)
    return results


def artifact_location(path: str, cwd: str | None = None) -> dict[str, str]:
    """`path` (absolute or relative to `cwd`, as the OS names it) as GitHub reads it: relative to
    %SRCROOT% (the working folder) when inside it, else an absolute file:// URI with no base id.
    Percent-encoded from the name's bytes (undecodable ones included)."""
    cwd = cwd or os.getcwd()
    absolute = os.path.normpath(os.path.join(cwd, path))
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive (Windows)
        relative = os.pardir
    if relative != os.curdir and relative.split(os.sep, 1)[0] != os.pardir:
        return {"uri": quote(os.fsencode(Path(relative).as_posix())), "uriBaseId": "%SRCROOT%"}
    return {"uri": Path(absolute).as_uri()}


def _location(place: Place) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(place.path or place.file)}
    if place.cell is None:
        physical["region"] = {"startLine": place.line, "startColumn": place.column}
    return {"physicalLocation": physical}


def _origin_place(verdict: Verdict) -> Place | None:
    """A repo named in a list file (`-f models.txt`) has an origin `file:line`."""
    if verdict.origin and ":" in verdict.origin:
        path, _, line = verdict.origin.rpartition(":")
        if line.isdigit() and int(line) > 0 and path and path != "<stdin>":
            return Place(path, int(line), 1)
    return None


@dataclass(frozen=True, order=True)
class _Elsewhere(Place):
    """A fallback place: no file names the repo."""


class _Fallback:
    """Where a result is shown when no file names its repo (ids typed on the command line, read from
    stdin, or listed from an author): GitHub rejects a result without a location. In order: the workflow
    file that ran hubgate (GitHub Actions names it in GITHUB_WORKFLOW_REF, under GITHUB_WORKSPACE), at
    the first line naming the id, else line 1; the policy file in effect (hubgate.toml, or
    pyproject.toml with [tool.hubgate]), likewise; else line 1 of `hubgate.toml` in the working folder,
    whether or not it exists. Looked up once per report, and only when needed. Documented in
    docs/rules/README.md."""

    def __init__(self) -> None:
        self._file: tuple[str, list[str]] | None = None

    def place(self, name: str) -> Place:
        path, lines = self._chosen()
        line = next((n for n, text in enumerate(lines, start=1) if name and name in text), 1)
        return _Elsewhere(path, line, 1)

    def _chosen(self) -> tuple[str, list[str]]:
        if self._file is None:
            self._file = self._workflow() or self._policy() or (FALLBACK_FILE, [])
        return self._file

    @staticmethod
    def _read(path: Path) -> list[str] | None:
        from hubgate.inputs.bounded import UnreadableFile, read_text_capped

        try:
            return read_text_capped(path, 2**20, what="workflow or policy file").splitlines()
        except UnreadableFile:
            return None

    def _workflow(self) -> tuple[str, list[str]] | None:
        ref = os.environ.get("GITHUB_WORKFLOW_REF", "")  # owner/repo/.github/workflows/ci.yml@refs/heads/main
        parts = ref.split("@", 1)[0].split("/", 2)
        if len(parts) != 3 or not parts[2]:
            return None
        path = Path(os.environ.get("GITHUB_WORKSPACE") or ".") / parts[2]
        lines = self._read(path)
        return (str(path), lines) if lines is not None else None

    def _policy(self) -> tuple[str, list[str]] | None:
        from hubgate.inputs.policy_file import find_policy_file

        try:
            found = find_policy_file(Path.cwd())
        except (ValueError, OSError):  # a broken policy file has already been reported by the check
            return None
        if found is None:
            return None
        lines = self._read(found[0])
        return (str(found[0]), lines) if lines is not None else None


def _places(verdict: Verdict, fallback: _Fallback) -> list[Place]:
    if verdict.places:
        return list(verdict.places)
    return [_origin_place(verdict) or fallback.place(verdict.model_id or verdict.input)]


def _result(verdict: Verdict, level: str, rule_index: int, place: Place) -> dict[str, Any]:
    name = verdict.model_id or verdict.input
    text = f"{name} is {verdict.status.value}: {verdict.message}"
    if verdict.next_step:
        text += f". Next: {verdict.next_step}"
    if isinstance(place, _Elsewhere):
        text += f" (no file names this repo; shown at {place.file})"
    elif place.via or place.cell is not None:
        text += f" (used {f'by {place.via} ' if place.via else ''}at {place})"
    result: dict[str, Any] = {
        "ruleId": _rule_id(verdict.status),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "partialFingerprints": {"hubgateRepo/v1": f"{verdict.repo_type}:{name}:{verdict.status.value}"},
        "properties": {"repo_id": name, "repo_type": verdict.repo_type, "status": verdict.status.value},
    }
    result["locations"] = [_location(place)]
    if isinstance(place, _Elsewhere):
        result["properties"]["location"] = "fallback"
    if verdict.url:
        result["properties"]["url"] = verdict.url
    return result


def _invocation(report: Report) -> dict[str, Any]:
    """The run itself; with `--scan`, each file the scan left out (a link out of the tree, a device, an
    alias bomb, a file too large or too deep) is a tool notification on it, so the upload says which
    code was not read."""
    notes = [
        {
            "level": "note",
            "message": {"text": f"hubgate scan skipped {path}: {reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(path)}}],
            "descriptor": {"id": "hubgate/scan-skipped"},
        }
        for path, reason in report.scan_skipped
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def sarif_log(report: Report, failing: frozenset[str]) -> dict[str, Any]:
    blocked = [v for v in report.verdicts if v.status not in USABLE]
    statuses = [s for s in Status if any(v.status == s for v in blocked)]
    rules = [
        _rule(
            _rule_id(status),
            status.value.replace("-", " ").title().replace(" ", ""),
            f"Hub repo is {status.value}",
            _RULE_TEXT.get(status, status.value),
            _RULE_NEXT.get(status, "See the verdict's message."),
            "error" if status in failing else "warning",
        )
        for status in statuses
    ]
    kinds = list(dict.fromkeys(f.kind for v in report.verdicts for f in v.findings))
    rules += [
        _rule(
            f"hubgate/finding/{kind}",
            "PreFlight" + kind.replace("-", " ").title().replace(" ", ""),
            f"Pre-flight finding: {kind}",
            _FINDING_TEXT[kind],
            _FINDING_NEXT[kind],
            "error" if kind in failing else "warning",
        )
        for kind in kinds
    ]
    index = {status: i for i, status in enumerate(statuses)}
    finding_index: dict[str, int] = {kind: len(statuses) + i for i, kind in enumerate(kinds)}
    results = []
    fallback = _Fallback()
    for verdict in blocked:
        level = "error" if verdict.status in failing else "warning"
        results += [_result(verdict, level, index[verdict.status], p) for p in _places(verdict, fallback)]
    for verdict in report.verdicts:
        results += _finding_results(verdict, failing, finding_index, fallback)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hubgate",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": "hubgate/check/"},
                "invocations": [_invocation(report)],
                "results": results,
            }
        ],
    }


def render(report: Report, failing: frozenset[str]) -> str:
    return json.dumps(sarif_log(report, failing), indent=2, ensure_ascii=False) + "\n"

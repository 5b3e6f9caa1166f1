"""SARIF 2.1.0 for GitHub code scanning: one result per place a blocked repo is used, so the finding
shows on the line in a pull request. Repos that fail the run (per --fail-on) are errors, other unusable
ones warnings; usable repos give no access result. Each pre-flight finding (remote code, pickle, licence,
size) is a result of its own, under a rule `hubgate/finding/<kind>`, for usable repos too."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hubgate._version import __version__
from hubgate.check.report import Report
from hubgate.inputs.scan.model import Place
from hubgate.verdicts.verdict import USABLE, Status, Verdict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://huggingface.co/docs/hub/models-gated"

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
    "licence": "The licence is missing, 'other', or not allowed by the policy.",
    "size": "The download is larger than the policy's max-size or the free disk space.",
}


def _rule_id(status: Status) -> str:
    return f"hubgate/{status.value}"


def _finding_results(
    verdict: Verdict, failing: frozenset[str], index: dict[str, int]
) -> list[dict[str, Any]]:
    name = verdict.model_id or verdict.input
    places: list[Place | None] = list(verdict.places) or [_origin_place(verdict)]
    results = []
    for finding in verdict.findings:
        for place in places:
            result: dict[str, Any] = {
                "ruleId": f"hubgate/finding/{finding.kind}",
                "ruleIndex": index[finding.kind],
                "level": "error" if finding.kind in failing else "warning",
                "message": {"text": f"{name}: {finding.message}"},
                "partialFingerprints": {"hubgateRepo/v1": f"{verdict.repo_type}:{name}:{finding.kind}"},
                "properties": {"repo_id": name, "repo_type": verdict.repo_type, "finding": finding.kind},
            }
            if place is not None:
                result["locations"] = [_location(place)]
            results.append(result)
    return results


def _location(place: Place) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(place.file), "uriBaseId": "%SRCROOT%"}}
    if place.cell is None:
        physical["region"] = {"startLine": place.line, "startColumn": place.column}
    return {"physicalLocation": physical}


def _origin_place(verdict: Verdict) -> Place | None:
    """A repo named in a list file (`-f models.txt`) has an origin `file:line`."""
    if verdict.origin and ":" in verdict.origin:
        path, _, line = verdict.origin.rpartition(":")
        if line.isdigit() and path:
            return Place(path, int(line), 1)
    return None


def _result(verdict: Verdict, level: str, rule_index: int, place: Place | None) -> dict[str, Any]:
    name = verdict.model_id or verdict.input
    text = f"{name} is {verdict.status.value}: {verdict.message}"
    if verdict.next_step:
        text += f". Next: {verdict.next_step}"
    if place is not None and (place.via or place.cell is not None):
        text += f" (used {f'by {place.via} ' if place.via else ''}at {place})"
    result: dict[str, Any] = {
        "ruleId": _rule_id(verdict.status),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "partialFingerprints": {"hubgateRepo/v1": f"{verdict.repo_type}:{name}:{verdict.status.value}"},
        "properties": {"repo_id": name, "repo_type": verdict.repo_type, "status": verdict.status.value},
    }
    if place is not None:
        result["locations"] = [_location(place)]
    if verdict.url:
        result["properties"]["url"] = verdict.url
    return result


def sarif_log(report: Report, failing: frozenset[str]) -> dict[str, Any]:
    blocked = [v for v in report.verdicts if v.status not in USABLE]
    statuses = [s for s in Status if any(v.status == s for v in blocked)]
    rules = [
        {
            "id": _rule_id(status),
            "name": status.value.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": f"Hub repo is {status.value}"},
            "fullDescription": {"text": _RULE_TEXT.get(status, status.value)},
            "helpUri": INFORMATION_URI,
            "defaultConfiguration": {"level": "error" if status in failing else "warning"},
        }
        for status in statuses
    ]
    kinds = list(dict.fromkeys(f.kind for v in report.verdicts for f in v.findings))
    rules += [
        {
            "id": f"hubgate/finding/{kind}",
            "name": "PreFlight" + kind.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": f"Pre-flight finding: {kind}"},
            "fullDescription": {"text": _FINDING_TEXT[kind]},
            "helpUri": INFORMATION_URI,
            "defaultConfiguration": {"level": "error" if kind in failing else "warning"},
        }
        for kind in kinds
    ]
    index = {status: i for i, status in enumerate(statuses)}
    finding_index: dict[str, int] = {kind: len(statuses) + i for i, kind in enumerate(kinds)}
    results = []
    for verdict in blocked:
        level = "error" if verdict.status in failing else "warning"
        places: list[Place | None] = list(verdict.places) or [_origin_place(verdict)]
        results += [_result(verdict, level, index[verdict.status], place) for place in places]
    for verdict in report.verdicts:
        results += _finding_results(verdict, failing, finding_index)
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
                "results": results,
            }
        ],
    }


def render(report: Report, failing: frozenset[str]) -> str:
    return json.dumps(sarif_log(report, failing), indent=2, ensure_ascii=False) + "\n"

"""JUnit XML: one test case per repo; failures for repos that are not usable, errors when no verdict."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hubgate.check.report import Report
from hubgate.verdicts.verdict import USABLE, Status, Verdict


def _failing_findings(verdict: Verdict, failing: frozenset[str]) -> list[str]:
    return [f"{f.kind}: {f.message}" for f in verdict.findings if f.kind in failing]


def render(report: Report, failing: frozenset[str] = frozenset()) -> str:
    """Findings that `failing` (--fail-on) selects make a usable repo's case a failure; others go to
    its system-out."""
    cases = report.verdicts
    failures = sum(
        1
        for v in cases
        if (v.status not in USABLE and v.status != Status.ERROR)
        or (v.status in USABLE and _failing_findings(v, failing))
    )
    errors = sum(1 for v in cases if v.status == Status.ERROR)
    suites = ET.Element(
        "testsuites", name="hubgate", tests=str(len(cases)), failures=str(failures), errors=str(errors)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="hubgate check",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        timestamp=report.checked_at.isoformat(timespec="seconds"),
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="endpoint", value=report.endpoint)
    ET.SubElement(props, "property", name="token.user", value=report.token.user or "")
    ET.SubElement(props, "property", name="token.source", value=report.token.source)
    for verdict in cases:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"hubgate.{verdict.repo_type}",
            name=verdict.model_id or verdict.input,
            time="0",
        )
        notes = [f"{f.kind}: {f.message}" for f in verdict.findings]
        if verdict.status in USABLE:
            blocking = _failing_findings(verdict, failing)
            if blocking:
                ET.SubElement(case, "failure", message=blocking[0], type="pre-flight").text = "\n".join(
                    blocking
                )
            ET.SubElement(case, "system-out").text = "\n".join(
                [
                    f"{verdict.status.value}: {verdict.message}",
                    *(f"used at {p} ({p.via})" for p in verdict.places),
                    *notes,
                ]
            )
            continue
        tag = "error" if verdict.status == Status.ERROR else "failure"
        where = f" (used at {', '.join(str(p) for p in verdict.places)})" if verdict.places else ""
        detail = ET.SubElement(
            case, tag, message=f"{verdict.status.value}: {verdict.message}{where}", type=verdict.status.value
        )
        detail.text = "\n".join(
            part
            for part in (
                f"input: {verdict.input}" + (f" ({verdict.origin})" if verdict.origin else ""),
                f"next step: {verdict.next_step}" if verdict.next_step else "",
                f"url: {verdict.url}" if verdict.url else "",
                *(f"used at {place} ({place.via})" for place in verdict.places),
                *notes,
            )
            if part
        )
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"

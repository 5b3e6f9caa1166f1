"""A CycloneDX ML-BOM (1.6) of the models and datasets a codebase uses, built with cyclonedx-python-lib
(the optional extra `hubgate[cyclonedx]`, imported only here). From a scan alone, each repo with its
places; from `check --scan`, also its licence (registry facts) and gate mode and access status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hubgate._version import __version__
from hubgate.check.report import Report
from hubgate.inputs.scan.model import Place, ScanResult
from hubgate.verdicts.verdict import Verdict

HINT = "pip install 'hubgate[cyclonedx]'"


class MissingLibrary(Exception):
    """cyclonedx-python-lib is not installed."""


@dataclass(frozen=True)
class BomItem:
    repo_type: str
    repo_id: str
    places: tuple[Place, ...] = ()
    verdict: Verdict | None = None


def items_from_scan(result: ScanResult) -> list[BomItem]:
    return [BomItem(kind, repo_id, places) for (kind, repo_id), places in result.places().items()]


def items_from_report(report: Report) -> list[BomItem]:
    return [
        BomItem(v.repo_type, v.model_id or v.requested_id or v.input, v.places, v)
        for v in report.verdicts
        if v.model_id or v.requested_id
    ]


def render(items: Iterable[BomItem], endpoint: str = "https://huggingface.co") -> str:
    try:
        from cyclonedx.contrib.license.factories import LicenseFactory
        from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
        from cyclonedx.model.bom import Bom
        from cyclonedx.model.component import Component, ComponentType
        from cyclonedx.output.json import JsonV1Dot6
        from packageurl import PackageURL
    except ImportError as exc:
        raise MissingLibrary(
            f"--format cyclonedx needs cyclonedx-python-lib ({exc.name or exc} is missing)"
        ) from None

    bom = Bom()
    bom.metadata.tools.components.add(
        Component(name="hubgate", type=ComponentType.APPLICATION, version=__version__)
    )
    licenses = LicenseFactory()
    for item in items:
        org, _, name = item.repo_id.rpartition("/")
        prefix = "datasets/" if item.repo_type == "dataset" else ""
        properties = [Property(name="hubgate:repo_type", value=item.repo_type)]
        properties += [Property(name="hubgate:place", value=f"{p} {p.via}".strip()) for p in item.places]
        component_licenses = []
        verdict = item.verdict
        if verdict is not None:
            properties.append(Property(name="hubgate:status", value=verdict.status.value))
            gate = verdict.gated_mode or ("gated" if verdict.is_gated else None)
            if verdict.is_gated is not None:
                properties.append(Property(name="hubgate:gate", value=gate or "open"))
            license_text = (verdict.registry or {}).get("license")
            if license_text:
                component_licenses.append(licenses.make_from_string(str(license_text)))
        bom.components.add(
            Component(
                name=name,
                group=org or None,
                type=ComponentType.DATA
                if item.repo_type == "dataset"
                else ComponentType.MACHINE_LEARNING_MODEL,
                bom_ref=f"{item.repo_type}:{item.repo_id}",
                purl=PackageURL(type="huggingface", namespace=org or None, name=name)
                if item.repo_type == "model"
                else None,
                licenses=component_licenses,
                external_references=[
                    ExternalReference(
                        type=ExternalReferenceType.DISTRIBUTION,
                        url=XsUri(f"{endpoint.rstrip('/')}/{prefix}{item.repo_id}"),
                    )
                ],
                properties=properties,
            )
        )
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"

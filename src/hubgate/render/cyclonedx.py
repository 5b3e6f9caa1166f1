"""A CycloneDX 1.6 ML-BOM of the models and datasets a project uses, built with cyclonedx-python-lib (the
optional extra `hubgate[cyclonedx]`, imported only here).

From a scan alone (offline), each repo with every place in the code as evidence. From a check, also:
the package URL at the commit the Hub answered for, the licence (an SPDX id where the Hub's tag maps to
one), the model card's task and datasets (`modelCard`), its base models as pedigree ancestors and
dependencies, the sha256 of each weight file the Hub lists (`blobs=true`, asked only for this format),
the access verdict and gate mode as properties, and each file the Hub's own scans flag as a
vulnerability. cyclonedx-python-lib has no model card yet, so `modelCard` is added to its JSON output,
which the strict 1.6 schema validates (tests/render/test_cyclonedx.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hubgate._version import __version__
from hubgate.check.report import Report
from hubgate.verdicts.findings import FlaggedFile
from hubgate.verdicts.verdict import Verdict

if TYPE_CHECKING:  # the scan package is loaded by scans only; a check's report names no place without one
    from hubgate.inputs.scan.model import Place, ScanResult

HINT = "pip install 'hubgate[cyclonedx]'"
DEFAULT_ENDPOINT = "https://huggingface.co"

# Hub licence tags that are no SPDX id, as the licences name themselves. Tags that are SPDX ids
# (apache-2.0, mit, cc-by-4.0, ...) are matched by cyclonedx-python-lib's SPDX table instead.
NAMED_LICENCES = {
    "llama2": "Llama 2 Community License Agreement",
    "llama3": "Meta Llama 3 Community License Agreement",
    "llama3.1": "Llama 3.1 Community License Agreement",
    "llama3.2": "Llama 3.2 Community License Agreement",
    "llama3.3": "Llama 3.3 Community License Agreement",
    "llama4": "Llama 4 Community License Agreement",
    "gemma": "Gemma Terms of Use",
    "openrail": "Open RAIL License",
    "openrail++": "Open RAIL++-M License",
    "bigscience-openrail-m": "BigScience OpenRAIL-M License",
    "creativeml-openrail-m": "CreativeML OpenRAIL-M License",
    "bigscience-bloom-rail-1.0": "BigScience BLOOM RAIL 1.0 License",
    "bigcode-openrail-m": "BigCode OpenRAIL-M License",
    "deepfloyd-if-license": "DeepFloyd IF License Agreement",
    "fair-noncommercial-research-license": "FAIR Noncommercial Research License",
    "apple-ascl": "Apple Sample Code License",
    "apple-amlr": "Apple Machine Learning Research Model License",
}
# The Hub's GNU tags name no "-only"/"-or-later": SPDX reads the bare (deprecated) ids as "-only".
SPDX_ALIASES = {
    "agpl-3.0": "AGPL-3.0-only",
    "gpl-2.0": "GPL-2.0-only",
    "gpl-3.0": "GPL-3.0-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "lgpl-3.0": "LGPL-3.0-only",
}
# How the Hub's scan levels read as a vulnerability rating; any other level is an issue of unknown weight.
SEVERITY = {"unsafe": "high", "caution": "medium"}


class MissingLibrary(Exception):
    """cyclonedx-python-lib is not installed."""


@dataclass(frozen=True)
class BomItem:
    repo_type: str
    repo_id: str
    places: tuple[Place, ...] = ()
    verdict: Verdict | None = None
    revision: str | None = None  # the revision the code pins, when known without the Hub


def items_from_scan(result: ScanResult) -> list[BomItem]:
    """Offline, the version is the revision the code pins, when every place pins the same one."""
    items = []
    for (kind, repo_id), places in result.places().items():
        pins = {place.revision for place in places}
        items.append(BomItem(kind, repo_id, places, revision=pins.pop() if len(pins) == 1 else None))
    return items


def items_from_report(report: Report) -> list[BomItem]:
    return [
        BomItem(v.repo_type, v.model_id or v.requested_id or v.input, v.places, v, v.revision)
        for v in report.verdicts
        if v.model_id or v.requested_id
    ]


def spdx_or_name(tag: str) -> tuple[str | None, str]:
    """(SPDX id, else None; the name to show) for a Hub licence tag."""
    from cyclonedx.spdx import fixup_id

    spdx = SPDX_ALIASES.get(tag) or fixup_id(tag)
    return spdx, NAMED_LICENCES.get(tag, tag)


def render(items: Iterable[BomItem], endpoint: str = DEFAULT_ENDPOINT) -> str:
    try:
        import cyclonedx  # noqa: F401
        import packageurl  # noqa: F401
    except ImportError as exc:
        raise MissingLibrary(
            f"--format cyclonedx needs cyclonedx-python-lib ({exc.name or exc} is missing)"
        ) from None
    return _Builder(endpoint.rstrip("/")).build(list(items))


class _Builder:
    def __init__(self, endpoint: str) -> None:
        from cyclonedx.model.bom import Bom

        self.endpoint = endpoint
        self.bom = Bom()
        self.components: dict[str, Any] = {}
        self.cards: dict[str, dict[str, Any]] = {}  # bom-ref -> modelCard, added to the JSON

    def build(self, items: list[BomItem]) -> str:
        from cyclonedx.model.component import Component, ComponentType
        from cyclonedx.output.json import JsonV1Dot6

        self.bom.metadata.tools.components.add(
            Component(name="hubgate", type=ComponentType.APPLICATION, version=__version__)
        )
        for item in items:
            self.add_item(item)
        for item in items:  # bases and datasets link to components that exist by now
            self.link(item)
        data = json.loads(JsonV1Dot6(self.bom).output_as_string())
        for component in data.get("components", []):
            card = self.cards.get(component.get("bom-ref", ""))
            if card:
                component["modelCard"] = card
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    # -- components --------------------------------------------------------------------------------

    def component(
        self, repo_type: str, repo_id: str, *, version: str | None = None, ref_suffix: str = ""
    ) -> Any:
        from cyclonedx.model import ExternalReference, ExternalReferenceType, XsUri
        from cyclonedx.model.component import Component, ComponentType
        from packageurl import PackageURL

        org, _, name = repo_id.rpartition("/")
        prefix = "datasets/" if repo_type == "dataset" else ""
        qualifiers = {"repository_url": self.endpoint} if self.endpoint != DEFAULT_ENDPOINT else None
        purl = (
            PackageURL("huggingface", org or None, name, version.lower() if version else None, qualifiers)
            if repo_type == "model"
            else None  # the package-URL spec has no type for the Hub's datasets
        )
        return Component(
            name=name,
            group=org or None,
            version=version,
            type=ComponentType.DATA if repo_type == "dataset" else ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=f"{repo_type}:{repo_id}{ref_suffix}",
            purl=purl,
            external_references=[
                ExternalReference(
                    type=ExternalReferenceType.DISTRIBUTION,
                    url=XsUri(f"{self.endpoint}/{prefix}{repo_id}"),
                )
            ],
        )

    def add_item(self, item: BomItem) -> None:
        from cyclonedx.model import Property
        from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence

        verdict = item.verdict
        sha = verdict.sha if verdict is not None else None
        version = sha or item.revision
        ref = f"{item.repo_type}:{item.repo_id}"
        if ref in self.components:
            return
        component = self.component(item.repo_type, item.repo_id, version=version)
        properties = [Property(name="hubgate:repo_type", value=item.repo_type)]
        properties += [Property(name="hubgate:place", value=f"{p} {p.via}".strip()) for p in item.places]
        if item.revision and item.revision != sha:
            properties.append(Property(name="hubgate:revision", value=item.revision))
        if item.places:
            component.evidence = ComponentEvidence(
                occurrences=[
                    Occurrence(
                        location=place.file,
                        line=place.line,
                        offset=place.column,
                        symbol=place.via or None,
                        additional_context=f"notebook cell {place.cell}" if place.cell is not None else None,
                    )
                    for place in item.places
                ]
            )
        if verdict is not None:
            properties += self.verdict_properties(verdict)
            component.licenses = self.licenses(verdict)
            card = verdict.card
            if card is not None:
                component.components = self.weight_files(ref, card.hashes)
                if card.library:
                    properties.append(Property(name="hubgate:library", value=card.library))
            self.vulnerabilities(component, verdict)
        component.properties = properties
        self.components[ref] = component
        self.bom.components.add(component)

    def verdict_properties(self, verdict: Verdict) -> list[Any]:
        from cyclonedx.model import Property

        found = [
            Property(name="hubgate:verdict", value=verdict.status.value),
            Property(name="hubgate:status", value=verdict.status.value),  # the name before 0.x; kept
        ]
        if verdict.is_gated is not None:
            gate = (verdict.gated_mode or "gated") if verdict.is_gated else "open"
            found.append(Property(name="hubgate:gate", value=gate))
        if verdict.card is not None and verdict.repo_type == "model":
            found.append(Property(name="hubgate:hub-scan", value=verdict.card.scans))
        return found

    def licenses(self, verdict: Verdict) -> list[Any]:
        from cyclonedx.model import XsUri
        from cyclonedx.model.license import DisjunctiveLicense

        card = verdict.card
        tag = card.license if card is not None else None
        tag = tag or (verdict.registry or {}).get("license")
        if not tag or tag == "unknown":
            return []
        spdx, name = spdx_or_name(str(tag).lower())
        if spdx is not None:
            return [DisjunctiveLicense(id=spdx)]
        detail = card.license_name if card is not None else None
        if tag == "other" and detail:
            name = detail
        link = detail if detail and detail.startswith(("https://", "http://")) else None
        return [DisjunctiveLicense(name=name, url=XsUri(link) if link else None)]

    def weight_files(self, ref: str, hashes: tuple[tuple[str, str], ...]) -> list[Any]:
        """Each LFS file the Hub listed (the weights), a `file` component with its sha256."""
        from cyclonedx.model import HashAlgorithm, HashType
        from cyclonedx.model.component import Component, ComponentType

        return [
            Component(
                name=path,
                type=ComponentType.FILE,
                bom_ref=f"{ref}#file:{path}",
                hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha)],
            )
            for path, sha in hashes
        ]

    def vulnerabilities(self, component: Any, verdict: Verdict) -> None:
        from cyclonedx.model import Property, XsUri
        from cyclonedx.model.vulnerability import (
            BomTarget,
            Vulnerability,
            VulnerabilityRating,
            VulnerabilitySeverity,
            VulnerabilitySource,
        )

        repo = verdict.model_id or verdict.requested_id or verdict.input
        for finding in verdict.findings:
            for flagged in finding.flagged or ():
                url = f"{self.endpoint}/{repo}/blob/{verdict.sha or 'main'}/{flagged.path}"
                severity = VulnerabilitySeverity(SEVERITY.get(flagged.level, "unknown"))
                self.bom.vulnerabilities.add(
                    Vulnerability(
                        bom_ref=f"hub-scan:{repo}:{flagged.path}",
                        id=f"hub-scan:{repo}:{flagged.path}",
                        source=VulnerabilitySource(name="Hugging Face Hub file scans", url=XsUri(url)),
                        ratings=[VulnerabilityRating(severity=severity, justification=flagged.level)],
                        description=f"The Hub's scans flag {flagged.path} as {flagged.level}.",
                        detail=_scanners(flagged),
                        affects=[BomTarget(ref=str(component.bom_ref.value))],
                        properties=[
                            Property(name="hubgate:file", value=flagged.path),
                            Property(name="hubgate:level", value=flagged.level),
                        ],
                    )
                )

    # -- links: base models, datasets, the model card ------------------------------------------------

    def link(self, item: BomItem) -> None:
        from cyclonedx.model.component import Pedigree

        verdict = item.verdict
        if verdict is None or verdict.card is None:
            return
        ref = f"{item.repo_type}:{item.repo_id}"
        component = self.components[ref]
        card = verdict.card
        depends: list[Any] = []
        ancestors = []
        for base_id, relation in card.bases:
            ancestors.append(self.component("model", base_id, ref_suffix=f"#ancestor-of:{item.repo_id}"))
            depends.append(self.known("model", base_id, relation))
        dataset_refs = []
        for dataset in card.datasets:
            depends.append(self.known("dataset", dataset, None))
            dataset_refs.append({"ref": f"dataset:{dataset}"})
        if ancestors:
            component.pedigree = Pedigree(ancestors=ancestors)
        if depends:
            self.bom.register_dependency(component, depends)
        parameters: dict[str, Any] = {}
        if card.task:
            parameters["task"] = card.task
        if dataset_refs:
            parameters["datasets"] = dataset_refs
        if parameters:
            self.cards[ref] = {"modelParameters": parameters}

    def known(self, repo_type: str, repo_id: str, relation: str | None) -> Any:
        """The top-level component of a base model or dataset, added when the project does not use it
        directly (named by the card, with what the check learnt of it)."""
        from cyclonedx.model import Property

        ref = f"{repo_type}:{repo_id}"
        if ref not in self.components:
            component = self.component(repo_type, repo_id)
            component.properties = [Property(name="hubgate:repo_type", value=repo_type)]
            if relation:
                component.properties.add(Property(name="hubgate:relation", value=relation))
            self.components[ref] = component
            self.bom.components.add(component)
        return self.components[ref]


def _scanners(flagged: FlaggedFile) -> str:
    if flagged.scanners:
        return "Flagged by: " + ", ".join(flagged.scanners) + "."
    return "The Hub did not name the scanners."

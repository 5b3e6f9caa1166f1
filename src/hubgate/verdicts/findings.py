"""Pre-flight findings: what else stops or worries a run once access is settled. Pure: metadata in, findings out.

Every finding comes from the metadata answer `check` already fetched (`RepoFacts`), so it costs no request:
`config.auto_map` and the `custom_code` tag (remote code), the file list (pickle weights, `.py` files),
`cardData.license` (license), `safetensors` or per-file sizes (size) and the Hub's own file scans
(`securityRepoStatus`, hub-scan; the scanners that flagged a file come from one `paths-info` request per
flagged repo, check/extras.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, get_args

from hubgate.hub.answers import RepoFacts, params_from_safetensors
from hubgate.inputs.policy import PreflightRules

if TYPE_CHECKING:  # the scan package is for `--scan` runs only
    from hubgate.inputs.scan.model import Place

# A new kind is one more word here (and its rule text in render/sarif.py, its page in docs/rules/).
FindingKind = Literal["remote-code", "pickle", "license", "size", "hub-scan", "unpinned"]
FINDING_KINDS: tuple[str, ...] = get_args(FindingKind)
# Advice about the code rather than the repo: fails a run only when named (`--fail-on unpinned`), not
# with the `findings` group, so a policy that fails on findings keeps its meaning.
UNPINNED = "unpinned"

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
# Weights of other frameworks that transformers skips when the repo has safetensors.
_OTHER_WEIGHTS = (*PICKLE_SUFFIXES, ".h5", ".msgpack", ".ot")
# Licence tags that name no licence a team can check.
_UNNAMED_LICENCES = {"other", "unknown"}


@dataclass(frozen=True, kw_only=True)
class FlaggedFile:
    """A file the Hub's scans flag: its level (`unsafe`, `caution`, or whatever the Hub says) and the
    scanners that flagged it, when the Hub named them."""

    path: str
    level: str
    scanners: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One pre-flight concern on a repo; `message` is one short line."""

    kind: FindingKind
    message: str
    files: tuple[str, ...] = ()  # the files concerned (code that would run, pickle weights)
    license: str | None = None  # the Hub's licence tag, on `license` findings
    bytes: int | None = None
    flagged: tuple[FlaggedFile, ...] | None = None  # hub-scan: each flagged file
    scanned: bool | None = None  # hub-scan: False while the Hub has not finished scanning (never clean)
    places: tuple[str, ...] = ()  # unpinned: where the code loads the repo without a revision
    sha: str | None = None  # unpinned: the commit the check resolved, to pin to


def unpinned(places: tuple[Place, ...], sha: str | None) -> Finding | None:
    """Places whose loader takes a revision and is given none: each download takes whatever the default
    branch holds that day. Costs no request: the places come from the scan, the sha from the check."""
    loose = [place for place in places if place.unpinned]
    if not loose:
        return None
    where = ", ".join(str(place) for place in loose)
    to = f"; pin to {sha} (`hubgate pin`)" if sha else ""
    return Finding(
        kind="unpinned",
        message=f"loaded without a revision at {where}{to}",
        places=tuple(str(place) for place in loose),
        sha=sha,
    )


def findings_for(facts: RepoFacts, rules: PreflightRules) -> list[Finding]:
    """Every finding on one model repo under `rules`, in a fixed order."""
    if facts.id.lower() in rules.ignore:
        return []
    found = [
        remote_code(facts, rules),
        pickle_only(facts, rules),
        license_finding(facts, rules),
        size(facts, rules),
        hub_scan(facts),
    ]
    return [f for f in found if f is not None]


def code_files(facts: RepoFacts) -> tuple[list[str], bool]:
    """(.py files loading would run, whether the repo asks for remote code at all). `auto_map` entries
    name `module.Class` (or `other/repo--module.Class`, code from another repo)."""
    auto_map = (facts.config or {}).get("auto_map")
    modules: list[str] = []
    if isinstance(auto_map, dict):
        for value in auto_map.values():
            for ref in value if isinstance(value, list) else [value]:
                if isinstance(ref, str) and "." in ref:
                    module = ref.rsplit(".", 1)[0]
                    repo, sep, module = module.rpartition("--")
                    name = module.replace(".", "/") + ".py"
                    modules.append(f"{repo}:{name}" if sep else name)
    asked = bool(modules) or "custom_code" in facts.tags
    if not modules and asked:
        modules = [name for name in facts.siblings if name.endswith(".py")]
    return list(dict.fromkeys(modules)), asked


def remote_code(facts: RepoFacts, rules: PreflightRules) -> Finding | None:
    files, asked = code_files(facts)
    if not asked or _allowed(facts.id, rules.allow_remote_code):
        return None
    how = "config.json sets auto_map" if (facts.config or {}).get("auto_map") else "tagged custom_code"
    runs = ", ".join(files) if files else "code the file list does not show"
    return Finding(
        kind="remote-code",
        message=f"loading runs code from the repo ({how}; trust_remote_code=True): {runs}",
        files=tuple(files),
    )


def pickle_only(facts: RepoFacts, rules: PreflightRules) -> Finding | None:
    pickles = [name for name in facts.siblings if name.lower().endswith(PICKLE_SUFFIXES)]
    has_safe = any(name.endswith(".safetensors") for name in facts.siblings)
    if rules.allow_pickle or not pickles or has_safe:
        return None
    shown = ", ".join(pickles[:3]) + (f" (+{len(pickles) - 3} more)" if len(pickles) > 3 else "")
    return Finding(
        kind="pickle",
        message=f"weights only in pickle formats, no safetensors (unpickling can run code): {shown}",
        files=tuple(pickles),
    )


def card_license(card: dict[str, Any]) -> str | None:
    """The card's licence tag (`license: apache-2.0`, or a one-element list), lower-cased; None when the
    card names none or several."""
    raw = card.get("license")
    if isinstance(raw, list):
        raw = raw[0] if len(raw) == 1 else None
    return str(raw).strip().lower() if isinstance(raw, str) and raw.strip() else None


def license_of(facts: RepoFacts) -> tuple[str | None, str | None]:
    """(licence tag: the card's, else a `license:` tag; the name or link the card gives, or the several
    licences it lists)."""
    card = facts.card_data
    tag = card_license(card)
    if tag is None and not card.get("license"):
        tag = next((t.removeprefix("license:").lower() for t in facts.tags if t.startswith("license:")), None)
    raw = card.get("license")
    if tag is None and isinstance(raw, list) and len(raw) > 1:
        return None, "several: " + ", ".join(str(item) for item in raw)
    detail = card.get("license_name") or card.get("license_link")
    return tag, (str(detail) if detail else None)


def license_finding(facts: RepoFacts, rules: PreflightRules) -> Finding | None:
    # The messages say "license tag": it is the Hub's word, and the policy keys it is held against.
    tag, detail = license_of(facts)
    named = f"{tag} ({detail})" if detail else tag
    if tag is None:
        message = f"the card lists {detail}: check which applies" if detail else "no license tag on the card"
    elif tag in rules.denied_licenses:
        message = f"license tag {named} is in the policy's denied-licenses"
    elif rules.allowed_licenses and tag not in rules.allowed_licenses:
        message = f"license tag {named} is not in the policy's allowed-licenses"
    elif tag in _UNNAMED_LICENCES:
        message = f"license tag '{tag}': read the terms" + (f": {detail}" if detail else " on the model card")
    else:
        return None
    return Finding(kind="license", message=message, license=tag)


def download_size(facts: RepoFacts) -> tuple[int | None, str]:
    """(bytes a default download fetches, how it was known). Per-file sizes when the answer had them,
    safetensors preferred over pickle and other frameworks' weights as the libraries load them; else the
    safetensors tensors' exact bytes (parameters by dtype), which leaves out small files."""
    if facts.sizes:
        names = list(facts.sizes)
        if any(name.endswith(".safetensors") for name in names):
            names = [name for name in names if not name.lower().endswith(_OTHER_WEIGHTS)]
        return sum(facts.sizes[name] for name in names), "file sizes"
    exact = params_from_safetensors(facts.safetensors)[1]
    if exact is not None:
        return exact, "safetensors tensors"
    return None, "unknown"


def size(facts: RepoFacts, rules: PreflightRules) -> Finding | None:
    from hubgate.units import human_bytes

    total, _ = download_size(facts)
    if total is None:
        return None
    if rules.max_size is not None and total > rules.max_size:
        limit = f"max-size {human_bytes(rules.max_size)}"
    elif rules.disk_free is not None and total > rules.disk_free:
        limit = f"{human_bytes(rules.disk_free)} free on {rules.disk_path or 'the disk'}"
    else:
        return None
    shown = human_bytes(total)
    if shown in limit:  # 2,000,043,800 bytes is "2 GB" too: say the exact figure
        shown = f"{total:,} bytes"
    return Finding(kind="size", message=f"download is {shown}, over {limit}", bytes=total)


def hub_scan(facts: RepoFacts, scanners: dict[str, tuple[str, ...]] | None = None) -> Finding | None:
    """Every file the Hub's own scans flag, at any level; a repo not scanned yet is said so, never clean.
    `scanners`: the scanners that flagged each file, where the Hub named them (its paths-info detail)."""
    status = facts.security
    if status is None or (status.done and not status.flagged):
        return None
    named = scanners or {}
    flagged = tuple(
        FlaggedFile(path=path, level=level, scanners=named.get(path, ())) for path, level in status.flagged
    )

    def shown(item: FlaggedFile) -> str:
        by = f" by {', '.join(item.scanners)}" if item.scanners else ""
        return f"{item.path} ({item.level}{by})"

    parts = []
    if flagged:
        listed = "; ".join(shown(item) for item in flagged[:3])
        more = f" (+{len(flagged) - 3} more)" if len(flagged) > 3 else ""
        parts.append(f"the Hub's scans flag {len(flagged)} file{'s' * (len(flagged) != 1)}: {listed}{more}")
    if not status.done:
        parts.append("the Hub has not finished scanning the files: not scanned yet is not clean")
    return Finding(
        kind="hub-scan",
        message="; ".join(parts),
        files=tuple(item.path for item in flagged),
        flagged=flagged,
        scanned=status.done,
    )


def _allowed(repo_id: str, allowed: tuple[str, ...]) -> bool:
    repo = repo_id.lower()
    org = repo.split("/", 1)[0]
    return any(entry == "*" or entry.lower() in (repo, org) for entry in allowed)

"""The team's pre-flight policy: defaults, then the policy file (inputs/policy_file.py finds and reads it,
inputs/policy_schema.py validates it), then the command-line options, value by value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubgate.inputs.policy_file import FailOnCheck, find_policy_file


@dataclass(frozen=True)
class PreflightRules:
    """The effective pre-flight policy, as the findings read it (`Policy.rules` builds it from files and options)."""

    allowed_licenses: frozenset[str] = frozenset()  # empty: any named licence
    denied_licenses: frozenset[str] = frozenset()
    max_size: int | None = None  # bytes
    allow_remote_code: tuple[str, ...] = ()  # repo ids or org names; "*" allows every repo
    allow_pickle: bool = False
    disk_free: int | None = None  # bytes free where the download lands (--disk)
    disk_path: str | None = None
    ignore: frozenset[str] = field(default_factory=frozenset)  # repo ids left out of findings


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str  # "default", "<file> key", or the command-line option


@dataclass(frozen=True)
class Policy:
    """The effective policy: each value with where it came from."""

    file: Path | None
    settings: dict[str, Setting] = field(default_factory=dict)

    def value(self, key: str) -> Any:
        return self.settings[key].value

    def rules(self, disk_free: int | None = None, disk_path: str | None = None) -> PreflightRules:
        def lower(items: Any) -> frozenset[str]:
            return frozenset(i.strip().lower() for i in items or [])

        return PreflightRules(
            allowed_licenses=lower(self.value("allowed-licenses")),
            denied_licenses=lower(self.value("denied-licenses")),
            max_size=self.value("max-size"),
            allow_remote_code=tuple(self.value("allow-remote-code") or ()),
            allow_pickle=bool(self.value("allow-pickle")),
            disk_free=disk_free,
            disk_path=disk_path,
            ignore=lower(self.value("ignore")),
        )

    @property
    def fail_on(self) -> str:
        value = self.value("fail-on")
        return value if isinstance(value, str) else ",".join(value)


DEFAULTS: dict[str, Any] = {
    "allowed-licenses": [],
    "denied-licenses": [],
    "fail-on": "action",
    "max-size": None,
    "allow-remote-code": [],
    "allow-pickle": False,
    "ignore": [],
}


def load_policy(
    cwd: Path | None = None,
    overrides: dict[str, tuple[Any, str]] | None = None,
    *,
    check_fail_on: FailOnCheck | None = None,
) -> Policy:
    """Defaults, then the policy file found upward from `cwd`, then `overrides` (key -> (value, option))
    for the options given on the command line (None values are not given). The file's fail-on is checked
    with `check_fail_on` when given; the options' values are the caller's to check."""
    settings = {key: Setting(value, "default") for key, value in DEFAULTS.items()}
    found = find_policy_file((cwd or Path.cwd()).resolve())
    path = None
    if found is not None:
        path, table = found
        for key, (value, source) in _file_values(path, table, check_fail_on).items():
            settings[key] = Setting(value, source)
    for key, (value, option) in (overrides or {}).items():
        if value is not None:
            settings[key] = Setting(value, option)
    return Policy(path, settings)


def _file_values(
    path: Path, table: dict[str, Any], check_fail_on: FailOnCheck | None
) -> dict[str, tuple[Any, str]]:
    """The policy file's values, validated by inputs/policy_schema.py (pydantic: about 0.1 s to import
    and build) or, for a table validated before, kept from then. The key is the table itself (any edit,
    however small or quick, is validated again), where it is, and whether fail-on words were checked; a
    table with a problem is never kept, so its error shows on every run."""
    from hubgate.keep import default_cache_dir, kept_file, read_kept, write_kept

    place = str(path.resolve())
    key = [place, table, check_fail_on is not None]
    where = kept_file(default_cache_dir() / "policy", "policy", place)
    kept = read_kept(where, key)
    if isinstance(kept, dict) and all(isinstance(pair, list) and len(pair) == 2 for pair in kept.values()):
        return {name: (value, source) for name, (value, source) in kept.items()}
    from hubgate.inputs.policy_schema import file_values

    values = file_values(path, table, check_fail_on)
    write_kept(where, key, values)
    return values

"""The team's pre-flight policy: `hubgate.toml` or `[tool.hubgate]` in `pyproject.toml`, found upward from
the working directory, validated with pydantic; command-line options override it, value by value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from hubgate.inputs.words import canonical, did_you_mean
from hubgate.units import parse_bytes

POLICY_FILE = "hubgate.toml"
PYPROJECT = "pyproject.toml"

FailOnCheck = Callable[[str], object]
"""Raises ValueError on a fail-on value it does not know. The words (statuses, finding kinds) are the
verdicts', a floor above this one: whoever loads the policy hands the check in
(`hubgate.verdicts.exit_codes.parse_fail_on`), and a bad file is still refused as it is read."""


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key. `hint`, when set,
    says what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class PolicyFile(BaseModel):
    """What a policy file may say (keys as written in TOML, with dashes)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    allowed_licenses: list[str] | None = Field(default=None, alias="allowed-licenses")
    denied_licenses: list[str] | None = Field(default=None, alias="denied-licenses")
    fail_on: list[str] | None = Field(default=None, alias="fail-on")
    max_size: int | None = Field(default=None, alias="max-size")
    allow_remote_code: list[str] | None = Field(default=None, alias="allow-remote-code")
    allow_pickle: bool | None = Field(default=None, alias="allow-pickle", strict=True)
    ignore: list[str] | None = None

    @field_validator("max_size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_bytes(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("a size: bytes as an integer, or a string such as '20GB'")
        return value

    @field_validator("fail_on", mode="before")
    @classmethod
    def _fail_on(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            value = [part for part in value.split(",")]
        check: FailOnCheck | None = (info.context or {}).get("check_fail_on")
        if isinstance(value, list) and check is not None:
            try:
                check(",".join(str(v) for v in value))
            except ValueError as exc:
                raise PolicyError(str(exc).removeprefix("--fail-on "), getattr(exc, "hint", "")) from None
        return value


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


def find_policy_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest `hubgate.toml`, or `pyproject.toml` with a `[tool.hubgate]` table, from `start` upward."""
    for folder in [start, *start.parents]:
        own = folder / POLICY_FILE
        if _present(own):
            data = _read(own)
            table = data.get("tool", {}).get("hubgate", data) if "tool" in data else data
            return own, table
        project = folder / PYPROJECT
        if _present(project):
            data = _read(project)
            table = data.get("tool", {}).get("hubgate")
            if table is not None:
                if not isinstance(table, dict):
                    raise PolicyError(f"{project}: [tool.hubgate] must be a table")
                return project, table
    return None


def _present(path: Path) -> bool:
    """A policy file is there, regular or not: a link to a device or a FIFO is refused when read, never
    skipped (a policy that silently stops applying would pass what it should stop)."""
    return (path.exists() or path.is_symlink()) and not path.is_dir()


def _read(path: Path) -> dict[str, Any]:
    from hubgate.inputs.bounded import MAX_CONFIG_BYTES, UnreadableFile, load_toml, read_capped

    try:
        return load_toml(read_capped(path, MAX_CONFIG_BYTES, what="TOML file", pipes=False), str(path))
    except UnreadableFile as exc:
        raise PolicyError(str(exc), exc.hint) from None


def _spelled(path: Path, table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The table with each key in hubgate's spelling (`allowed-licences` is read as `allowed-licenses`),
    and each key as the file wrote it. A key given in both spellings is refused: which one would win?"""
    keys = {field.alias or name for name, field in PolicyFile.model_fields.items()}
    spelled: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in table.items():
        ours = canonical(key) if canonical(key) in keys else key
        if ours in spelled:
            raise PolicyError(
                f"{path}: {_section(path)}keys '{written[ours]}' and '{key}' are the same key, spelled twice",
                hint=f"keep one of them (hubgate writes '{ours}')",
            )
        spelled[ours], written[ours] = value, key
    return spelled, written


def _section(path: Path) -> str:
    return "[tool.hubgate] " if path.name == PYPROJECT else ""


def validate(path: Path, table: dict[str, Any], check_fail_on: FailOnCheck | None = None) -> PolicyFile:
    spelled, written = _spelled(path, table)
    try:
        return PolicyFile.model_validate(spelled, context={"check_fail_on": check_fail_on})
    except ValidationError as exc:
        error = exc.errors()[0]
        top, *rest = [str(part) for part in error["loc"]] or ["(table)"]
        key = ".".join([written.get(top, top), *rest])  # as the file wrote it
        if error["type"] == "extra_forbidden":
            what = "unknown key"
            keys = [field.alias or name for name, field in PolicyFile.model_fields.items()]
            hint = did_you_mean(top, keys) or f"the keys are {', '.join(keys)}"
        else:
            what = error["msg"].removeprefix("Value error, ")
            hint = getattr((error.get("ctx") or {}).get("error"), "hint", "")
        raise PolicyError(f"{path}: {_section(path)}key '{key}': {what}", hint=hint) from None


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
        parsed = validate(path, table, check_fail_on)
        written = _spelled(path, table)[1]
        for key, value in parsed.model_dump(by_alias=True, exclude_none=True).items():
            settings[key] = Setting(value, f"{path} {_section(path)}{written.get(key, key)}")
    for key, (value, option) in (overrides or {}).items():
        if value is not None:
            settings[key] = Setting(value, option)
    return Policy(path, settings)

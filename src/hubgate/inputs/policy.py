"""The team's pre-flight policy: `hubgate.toml` or `[tool.hubgate]` in `pyproject.toml`, found upward from
the working directory, validated with pydantic; command-line options override it, value by value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

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

    allowed_licences: list[str] | None = Field(default=None, alias="allowed-licences")
    denied_licences: list[str] | None = Field(default=None, alias="denied-licences")
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
                raise ValueError(str(exc).removeprefix("--fail-on ")) from None
        return value


@dataclass(frozen=True)
class PreflightRules:
    """The effective pre-flight policy, as the findings read it (`Policy.rules` builds it from files and options)."""

    allowed_licences: frozenset[str] = frozenset()  # empty: any named licence
    denied_licences: frozenset[str] = frozenset()
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
            allowed_licences=lower(self.value("allowed-licences")),
            denied_licences=lower(self.value("denied-licences")),
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
    "allowed-licences": [],
    "denied-licences": [],
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


def validate(path: Path, table: dict[str, Any], check_fail_on: FailOnCheck | None = None) -> PolicyFile:
    try:
        return PolicyFile.model_validate(table, context={"check_fail_on": check_fail_on})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "(table)"
        what = (
            "unknown key"
            if error["type"] == "extra_forbidden"
            else error["msg"].removeprefix("Value error, ")
        )
        section = "[tool.hubgate] " if path.name == PYPROJECT else ""
        raise PolicyError(f"{path}: {section}key '{key}': {what}") from None


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
        section = "[tool.hubgate] " if path.name == PYPROJECT else ""
        for key, value in parsed.model_dump(by_alias=True, exclude_none=True).items():
            settings[key] = Setting(value, f"{path} {section}{key}")
    for key, (value, option) in (overrides or {}).items():
        if value is not None:
            settings[key] = Setting(value, option)
    return Policy(path, settings)

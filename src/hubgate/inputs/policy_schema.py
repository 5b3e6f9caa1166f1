"""What a policy file may say, validated with pydantic. Imported only when a policy file is found: a run
without one does not build the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from hubgate.inputs.policy_file import FailOnCheck, PolicyError, section
from hubgate.inputs.words import canonical, did_you_mean
from hubgate.units import parse_bytes


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


# Every key a policy file may hold, as hubgate spells it.
KEYS = tuple(field.alias or name for name, field in PolicyFile.model_fields.items())


def _spelled(path: Path, table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The table with each key in hubgate's spelling (`allowed-licences` is read as `allowed-licenses`),
    and each key as the file wrote it. A key given in both spellings is refused: which one would win?"""
    spelled: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in table.items():
        ours = canonical(key) if canonical(key) in KEYS else key
        if ours in spelled:
            raise PolicyError(
                f"{path}: {section(path)}keys '{written[ours]}' and '{key}' are the same key, spelled twice",
                hint=f"keep one of them (hubgate writes '{ours}')",
            )
        spelled[ours], written[ours] = value, key
    return spelled, written


def _validated(
    path: Path, spelled: dict[str, Any], written: dict[str, str], check_fail_on: FailOnCheck | None
) -> PolicyFile:
    try:
        return PolicyFile.model_validate(spelled, context={"check_fail_on": check_fail_on})
    except ValidationError as exc:
        error = exc.errors()[0]
        top, *rest = [str(part) for part in error["loc"]] or ["(table)"]
        key = ".".join([written.get(top, top), *rest])  # as the file wrote it
        if error["type"] == "extra_forbidden":
            what = "unknown key"
            hint = did_you_mean(top, KEYS) or f"the keys are {', '.join(KEYS)}"
        else:
            what = error["msg"].removeprefix("Value error, ")
            hint = getattr((error.get("ctx") or {}).get("error"), "hint", "")
        raise PolicyError(f"{path}: {section(path)}key '{key}': {what}", hint=hint) from None


def file_values(
    path: Path, table: dict[str, Any], check_fail_on: FailOnCheck | None = None
) -> dict[str, tuple[Any, str]]:
    """The values the file gives (key -> (value, where: the file and the key as it wrote it))."""
    spelled, written = _spelled(path, table)
    parsed = _validated(path, spelled, written, check_fail_on)
    return {
        key: (value, f"{path} {section(path)}{written.get(key, key)}")
        for key, value in parsed.model_dump(by_alias=True, exclude_none=True).items()
    }

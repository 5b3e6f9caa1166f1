"""The schema of one registry file: a pydantic v2 model per YAML file, strict about unknown fields.

A fact that is not known stays empty (null or absent); it is never guessed. Every number that is set in
`specs` or `cost` must say where it came from in `sources` (a key naming the field, e.g.
`specs.parameters`, or a parent such as `specs`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hubgate.registry.kinds import AccessMethod, ModelType, Provider, Relation

HF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
API_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
ALIAS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


PositiveInt = Field(default=None, gt=0)


class Specs(_Strict):
    parameters: int | None = PositiveInt
    active_parameters: int | None = PositiveInt
    context_window: int | None = PositiveInt
    architecture: str | None = None
    modalities: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    num_layers: int | None = PositiveInt
    hidden_size: int | None = PositiveInt
    num_attention_heads: int | None = PositiveInt
    num_kv_heads: int | None = PositiveInt
    head_dim: int | None = PositiveInt
    num_experts: int | None = PositiveInt
    experts_per_token: int | None = PositiveInt
    vocab_size: int | None = PositiveInt
    torch_dtype: Literal["float32", "float16", "bfloat16"] | None = None
    download_bytes: int | None = Field(
        default=None,
        gt=0,
        description="Bytes a default download fetches (safetensors preferred over pickle weights)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Specs:
        if self.active_parameters and self.parameters and self.active_parameters > self.parameters:
            raise ValueError("active_parameters: larger than parameters")
        if self.experts_per_token and self.num_experts and self.experts_per_token > self.num_experts:
            raise ValueError("experts_per_token: larger than num_experts")
        if self.experts_per_token and not self.num_experts:
            raise ValueError("experts_per_token: set without num_experts")
        if self.num_kv_heads and self.num_attention_heads:
            if self.num_kv_heads > self.num_attention_heads:
                raise ValueError("num_kv_heads: larger than num_attention_heads")
            if self.num_attention_heads % self.num_kv_heads:
                raise ValueError("num_kv_heads: num_attention_heads is not a multiple of it")
        return self


class License(_Strict):
    id: str | None = Field(
        default=None, description="The Hub licence tag: llama2, apache-2.0, mit, other, ..."
    )
    name: str | None = None
    url: str | None = None
    commercial_use: Literal["yes", "no", "conditional"] | None = None

    @field_validator("commercial_use", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare yes/no as a boolean.
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return value


class ApiEndpoint(_Strict):
    url: str
    method: Literal["GET", "POST"] = "POST"
    auth_required: bool = True


class Pricing(_Strict):
    """What an API model costs to call (the entry's `cost:`)."""

    free_tier: bool | None = None
    input_per_1m: float | None = Field(default=None, ge=0, description="USD per 1M input tokens")
    output_per_1m: float | None = Field(default=None, ge=0, description="USD per 1M output tokens")
    currency: Literal["USD"] = "USD"
    as_of: dt.date | None = None


class Defaults(_Strict):
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = PositiveInt


class Links(_Strict):
    model_card: str | None = None
    docs: str | None = None
    paper: str | None = None


class BaseModelRef(_Strict):
    id: str
    relation: Relation

    @field_validator("id")
    @classmethod
    def _hub_id(cls, value: str) -> str:
        if not HF_ID.match(value):
            raise ValueError(f"{value!r} is not a Hub id (org/name)")
        return value


# Fields whose values must be backed by `sources` when set.
SOURCED_FIELDS = (
    *(
        f"specs.{name}"
        for name in (
            "parameters",
            "active_parameters",
            "context_window",
            "num_layers",
            "hidden_size",
            "num_attention_heads",
            "num_kv_heads",
            "head_dim",
            "num_experts",
            "experts_per_token",
            "vocab_size",
            "download_bytes",
        )
    ),
    "cost.input_per_1m",
    "cost.output_per_1m",
    "gated",
)


class ModelEntry(_Strict):
    model_id: str
    name: str
    provider: Provider
    type: ModelType
    access_method: AccessMethod
    description: str | None = None
    family: str | None = None
    aliases: list[str] = Field(default_factory=list)
    legacy_ids: list[str] = Field(
        default_factory=list, description="Ids the Hub redirects to model_id, such as gpt2"
    )
    specs: Specs = Field(default_factory=Specs)
    license: License | None = None
    gated: Literal[False, "auto", "manual"] | None = None
    gated_seen: dt.date | None = None
    api_endpoint: ApiEndpoint | None = None
    cost: Pricing | None = None
    defaults: Defaults | None = None
    use_cases: list[str] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    links: Links | None = None
    base_model: BaseModelRef | None = None
    misspellings: list[str] = Field(
        default_factory=list, description="Ids documents wrote that do not exist on the Hub"
    )
    tags: list[str] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ModelEntry:
        pattern = HF_ID if self.provider is Provider.huggingface else API_ID
        if not pattern.match(self.model_id):
            shape = "org/name" if self.provider is Provider.huggingface else "a bare API model name"
            raise ValueError(f"model_id: {self.model_id!r} is not {shape} for provider {self.provider.value}")
        for field in ("aliases", "legacy_ids", "misspellings"):
            values = getattr(self, field)
            seen: set[str] = set()
            for index, value in enumerate(values):
                if not ALIAS.match(value):
                    raise ValueError(f"{field}.{index}: {value!r} has characters an id cannot have")
                if value.lower() == self.model_id.lower():
                    raise ValueError(f"{field}.{index}: {value!r} is the model_id itself")
                if value.lower() in seen:
                    raise ValueError(f"{field}.{index}: {value!r} is listed twice")
                seen.add(value.lower())
        if self.gated_seen is not None and self.gated is None:
            raise ValueError("gated_seen: set, but gated is not")
        if self.base_model is not None and self.base_model.id.lower() == self.model_id.lower():
            raise ValueError("base_model.id: the model itself")
        known = _field_paths()
        for key in self.sources:
            if key not in known:
                raise ValueError(f"sources.{key}: {key!r} names no field of the schema")
        for path in SOURCED_FIELDS:
            if _value_at(self, path) is not None and not _sourced(path, self.sources):
                raise ValueError(f"{path}: set, but `sources` does not say where it came from")
        return self

    # Convenience views -------------------------------------------------------------------------

    @property
    def parameters(self) -> int | None:
        return self.specs.parameters

    @property
    def context_window(self) -> int | None:
        return self.specs.context_window

    @property
    def default_temperature(self) -> float | None:
        return self.defaults.temperature if self.defaults else None

    @property
    def default_max_tokens(self) -> int | None:
        return self.defaults.max_tokens if self.defaults else None

    def names(self) -> list[str]:
        """The id and every other name that resolves to it."""
        return [self.model_id, *self.legacy_ids, *self.aliases]


def _value_at(entry: BaseModel, path: str) -> Any:
    value: Any = entry
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _sourced(path: str, sources: dict[str, str]) -> bool:
    parts = path.split(".")
    return any(".".join(parts[:n]) in sources for n in range(1, len(parts) + 1))


_PATHS: frozenset[str] | None = None


def _field_paths() -> frozenset[str]:
    """Every dotted field path of the schema, e.g. `specs.parameters`, `license`, `cost.input_per_1m`."""
    global _PATHS
    if _PATHS is None:
        paths: set[str] = set()

        def walk(model: type[BaseModel], prefix: str) -> None:
            for name, info in model.model_fields.items():
                path = f"{prefix}{name}"
                paths.add(path)
                for candidate in _submodels(info.annotation):
                    walk(candidate, f"{path}.")

        walk(ModelEntry, "")
        _PATHS = frozenset(paths)
    return _PATHS


def _submodels(annotation: Any) -> list[type[BaseModel]]:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [
        arg for arg in typing.get_args(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)
    ]

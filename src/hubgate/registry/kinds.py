"""The registry's words: the closed sets a field may take (provider, type, access, base relation) and the
schema's version. Apart from the schema so that reading the registry's cached summary needs no pydantic."""

from __future__ import annotations

from enum import StrEnum

REGISTRY_SCHEMA_VERSION = 1


class Provider(StrEnum):
    huggingface = "huggingface"
    openai = "openai"


class ModelType(StrEnum):
    chat = "chat"
    instruct = "instruct"
    completion = "completion"  # a base model: plain next-token completion
    text2text = "text2text"  # encoder-decoder (T5) without instruction tuning
    fill_mask = "fill-mask"  # encoder-only masked language models (BERT)
    multimodal = "multimodal"
    vision_encoder = "vision-encoder"
    embedding = "embedding"


class AccessMethod(StrEnum):
    api = "api"
    local = "local"
    both = "both"


class Relation(StrEnum):
    adapter = "adapter"
    finetune = "finetune"
    quantized = "quantized"
    merge = "merge"

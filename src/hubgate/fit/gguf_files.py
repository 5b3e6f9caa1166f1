"""GGUF repos: one set of facts per quant file, sized as stored.

llama.cpp memory-maps a GGUF file, so its weights take the file's size (the header's metadata, a few MiB
of tokenizer, is counted with them). Three Hub answers make the facts, no download:
- the repo tree (`GET /api/models/{id}/tree/{rev}?recursive=true`): each file's size; split files
  (`-00001-of-00003.gguf`) are summed under their first shard;
- the Hub's `gguf` expand (`GET /api/models/{id}?expand[]=gguf`): `total` parameters, `architecture`,
  `context_length`;
- the first bytes of one file (a ranged GET on `resolve`), whose key-value header the `gguf` package parses:
  `<arch>.block_count`, `attention.head_count(_kv)`, `attention.key_length`, `attention.sliding_window`,
  `attention.kv_lora_rank`, `rope.dimension_count`, `expert_count`: the shapes the KV cache needs.
The `gguf` package is optional (`pip install 'hubgate[gguf]'`); without it the KV cache is not counted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from hubgate.fit.facts import ModelFacts

if TYPE_CHECKING:
    from hubgate.hub.service import HubService

HEADER_BYTES = 4 * 2**20  # the architecture keys come before the tokenizer's arrays in llama.cpp's files
_SHARD = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)
_QUANT = re.compile(
    r"(?<![A-Za-z0-9])(I?Q\d(?:_K)?(?:_[A-Z0-9]{1,3})*|TQ\d_\d|MXFP4(?:_MOE)?|BF16|F16|F32|FP16)(?![A-Za-z0-9])",
    re.I,
)
_FLOAT_FILES = {"F32": "float32", "F16": "float16", "FP16": "float16", "BF16": "bfloat16"}


def quant_label(filename: str) -> str | None:
    """`Q4_K_M` from `Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf` (the last quant-looking part of the name)."""
    stem = _SHARD.sub(".gguf", filename.rsplit("/", 1)[-1]).removesuffix(".gguf")
    found = _QUANT.findall(stem)
    return found[-1].upper() if found else None


def gguf_files(sizes: dict[str, int]) -> dict[str, int]:
    """Quant file (its first shard) -> bytes of all its shards; vision projectors (`mmproj`) left out."""
    files: dict[str, int] = {}
    for path, size in sorted(sizes.items()):
        name = path.rsplit("/", 1)[-1]
        if not name.lower().endswith(".gguf") or name.lower().startswith("mmproj"):
            continue
        shard = _SHARD.search(path)
        key = _SHARD.sub("-00001-of-" + shard.group(2) + ".gguf", path) if shard else path
        files[key] = files.get(key, 0) + size
    return files


def pick(files: dict[str, int], quant: str | None) -> list[str]:
    """The files `--quant` names (by quant label, else a substring of the name), or all of them."""
    if not quant:
        return list(files)
    wanted = quant.strip().upper()
    exact = [f for f in files if quant_label(f) == wanted]
    return exact or [f for f in files if wanted in f.upper()]


def header_fields(data: bytes) -> dict[str, Any]:
    """The key-value pairs at the start of a GGUF file, parsed with the `gguf` package's reader, up to the
    tokenizer's arrays or the end of `data` (a ranged read holds only the start of the file)."""
    import numpy as np
    from gguf import GGUFReader
    from gguf.constants import GGUF_MAGIC

    class _HeaderReader(GGUFReader):  # GGUFReader without the memmap and the tensor table
        def __init__(self, raw: bytes) -> None:  # parses only the key-value section
            self.data = np.frombuffer(raw, dtype=np.uint8)  # type: ignore[assignment]
            self.fields = {}  # type: ignore[assignment]
            self.tensors = []

    reader = _HeaderReader(data)
    if len(data) < 24 or int(reader._get(0, np.uint32)[0]) != GGUF_MAGIC:
        raise ValueError("not a GGUF file (bad magic)")
    kv_count = int(reader._get(16, np.uint64)[0])
    offs, out = 24, {}
    for _ in range(kv_count):
        try:
            _, key_data = reader._get_str(offs)
            key = bytes(key_data).decode("utf-8")
            if key.startswith("tokenizer."):
                break  # large arrays; nothing the estimate needs follows in llama.cpp's layout
            before = len(reader.fields)
            offs = reader._build_fields(offs, 1)
        except (IndexError, ValueError):
            break  # the ranged read ended inside this field
        if len(reader.fields) > before:
            field = reader.fields[key]
            out[key] = field.contents()
    return out


def facts_from_header(model_id: str, fields: dict[str, Any]) -> ModelFacts:
    """The shapes the KV cache needs, from a GGUF header's `<arch>.*` keys."""
    arch = str(fields.get("general.architecture") or "")

    def num(name: str) -> int | None:
        value = fields.get(f"{arch}.{name}")
        if isinstance(value, list):  # per-layer arrays (head_count_kv on hybrid models): the largest
            value = max(value) if value else None
        return int(value) if isinstance(value, int | float) and value > 0 else None

    layers = num("block_count")
    window = num("attention.sliding_window")
    lora = num("attention.kv_lora_rank")
    return ModelFacts(
        model_id=model_id,
        context_window=num("context_length"),
        num_layers=layers,
        hidden_size=num("embedding_length"),
        num_attention_heads=num("attention.head_count"),
        num_kv_heads=num("attention.head_count_kv"),
        head_dim=num("attention.key_length") if not lora else None,
        num_experts=num("expert_count"),
        experts_per_token=num("expert_used_count"),
        sliding_window=window,
        sliding_layers=_sliding_layers(arch, layers, window),
        kv_lora_rank=lora,
        qk_rope_head_dim=num("rope.dimension_count") if lora else None,
    )


def _sliding_layers(arch: str, layers: int | None, window: int | None) -> int | None:
    """Layers that cache only the window, by architecture, as llama.cpp sets `swa_layers`: Gemma-2 every other
    layer, Gemma-3 five of every six, others (Mistral-style) all."""
    if not window or not layers:
        return None
    if arch == "gemma2":
        return (layers + 1) // 2
    if arch.startswith("gemma3"):
        return layers - layers // 6
    return layers


def facts_for_files(
    model_id: str, files: dict[str, int], params: int | None, shapes: ModelFacts | None
) -> list[ModelFacts]:
    """One ModelFacts per quant file: exact stored bytes, bits per weight, the shared shapes."""
    from dataclasses import replace

    out = []
    for name, size in files.items():
        label = quant_label(name)
        base = shapes or ModelFacts(model_id=model_id)
        out.append(
            replace(
                base,
                model_id=model_id,
                params=params,
                params_source="gguf" if params else None,
                stored_bytes=size,
                stored_dtype=_FLOAT_FILES.get(label or ""),
                dtype_source="gguf" if label in _FLOAT_FILES else None,
                quant_method="gguf",
                quant_bits=size * 8 / params if params else None,
                quant_file=name,
                notes=("GGUF: weights = the file's size, as llama.cpp maps it",),
            )
        )
    return out


def gguf_facts_for(
    service: HubService, body: dict[str, Any], quant: str | None
) -> tuple[list[ModelFacts], str | None]:
    """Facts for the GGUF files of the repo `body` describes (the Hub's model JSON), or ([], why not)."""
    model_id = str(body.get("id") or "")
    names = [s.get("rfilename", "") for s in body.get("siblings") or [] if isinstance(s, dict)]
    if not any(n.lower().endswith(".gguf") for n in names):
        return [], None
    revision = str(body.get("sha") or "main")
    tree, error = service.list_all(f"/api/models/{model_id}/tree/{revision}", {"recursive": "true"})
    if error is not None and not tree:
        return [], f"the repo's file sizes could not be read: {error.describe()}"
    sizes = {
        str(e["path"]): int((e.get("lfs") or {}).get("size") or e.get("size") or 0)
        for e in tree
        if isinstance(e, dict) and e.get("type") == "file" and "path" in e
    }
    files = gguf_files(sizes)
    chosen = pick(files, quant)
    if not chosen:
        labels = sorted({quant_label(f) or f for f in files})
        return [], f"no GGUF file matches --quant {quant}; the repo has {', '.join(labels)}"
    files = {f: files[f] for f in chosen}

    meta = service.get(f"/api/models/{model_id}", params=[("expand[]", "gguf")])
    gguf = meta.body.get("gguf") if meta.ok and isinstance(meta.body, dict) else None
    params = gguf.get("total") if isinstance(gguf, dict) and isinstance(gguf.get("total"), int) else None

    shapes = None
    note = None
    try:
        import gguf as _gguf  # noqa: F401 - only to know whether the header can be parsed
    except ImportError:
        note = "KV cache not counted: the GGUF header needs the gguf package (pip install 'hubgate[gguf]')"
    else:
        head = service.read_range(model_id, chosen[0], revision, HEADER_BYTES)
        if head.ok and isinstance(head.body, bytes):
            try:
                shapes = facts_from_header(model_id, header_fields(head.body))
            except ValueError as exc:
                note = f"the GGUF header of {chosen[0]} could not be parsed: {exc}"
        else:
            note = f"the GGUF header of {chosen[0]} could not be read: {head.describe()}"
    if shapes is not None and shapes.context_window is None and isinstance(gguf, dict):
        ctx = gguf.get("context_length")
        if isinstance(ctx, int) and ctx > 0:
            from dataclasses import replace

            shapes = replace(shapes, context_window=ctx)
    out = facts_for_files(model_id, files, params, shapes)
    if note:
        from dataclasses import replace

        out = [replace(f, notes=(*f.notes, note)) for f in out]
    return out, None

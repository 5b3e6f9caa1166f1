"""The filters of `hubgate registry list` (registry_cmd.py)."""

from __future__ import annotations

from typing import Annotated

import typer

TYPES_HELP = "chat, instruct, completion, text2text, fill-mask, multimodal, vision-encoder, embedding."
# `registry list`'s filters: optional words, no default shown.
ProviderOpt = Annotated[
    str | None, typer.Option("--provider", help="huggingface or openai.", show_default=False)
]
TypeOpt = Annotated[str | None, typer.Option("--type", help=TYPES_HELP, show_default=False)]
FamilyOpt = Annotated[str | None, typer.Option("--family", help="e.g. llama-2, qwen3.", show_default=False)]
LicenseHelp = "Hub licence tag (apache-2.0, llama2, mit, other, ...)."
LicenseOpt = Annotated[str | None, typer.Option("--license", help=LicenseHelp, show_default=False)]
GatedHelp = "no, auto, manual, yes (auto or manual) or unknown: as last seen."
GatedOpt = Annotated[str | None, typer.Option("--gated", help=GatedHelp, show_default=False)]
MaxParamsOpt = Annotated[
    str | None,
    typer.Option("--max-params", help="At most this many parameters: 7B, 500M, 1.5e9.", show_default=False),
]
MinParamsOpt = Annotated[
    str | None, typer.Option("--min-params", help="At least this many parameters.", show_default=False)
]

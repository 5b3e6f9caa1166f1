"""The options only `hubgate check` has (the shared ones are in options.py)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from hubgate.verdicts.exit_codes import FAIL_ON_HELP


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    quiet = "quiet"
    github = "github"
    junit = "junit"
    markdown = "markdown"
    sarif = "sarif"
    cyclonedx = "cyclonedx"


OutputFormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="Report format (github: workflow commands; junit: XML; markdown: a table; sarif: code "
        "scanning; cyclonedx: an ML-BOM).",
    ),
]
OutputOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        "-o",
        metavar="[FORMAT:]FILE",
        help="Also write a report to FILE, in FORMAT, else the format its extension names (.sarif, .json, "
        ".cdx.json, .md, .xml for junit), else --format's. Repeatable: one run, every report from it. "
        "stdout gets --format (the table when that format went to a file).",
        show_default=False,
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Same as --format quiet: only repos that are not usable.")
]

# -- pre-flight (over the policy file) -----------------------------------------------------------------

FailOnOpt = Annotated[
    str | None,
    typer.Option("--fail-on", help=FAIL_ON_HELP + " Default: the policy file's fail-on, else 'action'."),
]
MaxSizeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-size",
        help="Pre-flight: a download over this size is a finding (20GB, 500MB).",
        show_default=False,
    ),
]
AllowRemoteCodeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-remote-code",
        help="Pre-flight: repos or organisations whose code may run (trust_remote_code); '*' for all. "
        "Repeatable.",
        show_default=False,
    ),
]
DiskOpt = Annotated[
    Path | None,
    typer.Option(
        "--disk",
        help="Pre-flight: a download larger than the free space here is a finding.",
        show_default=False,
    ),
]

# -- which repos, under which tokens ---------------------------------------------------------------------

RevisionOpt = Annotated[
    str | None,
    typer.Option(
        "--revision",
        help="Check every input at this branch, tag or commit (inputs may pin their own: org/name@rev).",
        show_default=False,
    ),
]
TokenFileOpt = Annotated[
    str | None,
    typer.Option(
        "--token-file",
        help="Check under each token of this file (one per line, or name=token): a matrix.",
    ),
]
AllStoredTokensOpt = Annotated[
    bool,
    typer.Option(
        "--all-stored-tokens",
        help="Check under each token saved by `hf auth login` (`hf auth list`): a matrix.",
    ),
]
AuthorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--author",
        help="Check every public repo of this organisation or user (listed with their gate modes). Repeatable.",
        show_default=False,
    ),
]
ScanOpt = Annotated[
    bool,
    typer.Option(
        "--scan",
        help="The arguments are files or folders (default .): check every repo their code uses "
        "(`hubgate scan`); each verdict lists its places.",
    ),
]

# -- what each verdict gets beside it----------------------------------------------------------------------------

GpuOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--gpu",
        "-g",
        help="Add a GPU fit to each model (t4, l4, a100-80gb, h100, ...; `hubgate fit --list-gpus`). Repeatable.",
        show_default=False,
    ),
]
DtypeOpt = Annotated[
    str | None,
    typer.Option(
        "--dtype", help="Precision for --gpu: float32, bfloat16, float16, int8, int4.", show_default=False
    ),
]
ContextOpt = Annotated[
    int | None,
    typer.Option(
        "--context", min=1, help="Context tokens for --gpu. Default: the model's window, at most 4096."
    ),
]
NoBasesOpt = Annotated[bool, typer.Option("--no-bases", help="Do not follow base models (adapters' bases).")]
NoAlternativesOpt = Annotated[
    bool, typer.Option("--no-alternatives", help="Do not suggest open registry models for blocked ones.")
]

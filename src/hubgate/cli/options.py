"""The options several commands share, each defined once as an `Annotated` type (the pattern of `hf`'s
own CLI): a command declares `token: TokenOpt = None` and gets the same name, help and checks as every
other command that takes a token. Options only one command has live in that command's file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class RepoTypeChoice(StrEnum):
    model = "model"
    dataset = "dataset"


def _hold_token(value: str | None) -> str | None:
    """Hold --token's value as soon as it is parsed, before any other option is checked: one typed again
    where an id or an option value belongs is scrubbed from every message, whatever its shape."""
    from hubgate.inputs.secrets import hold

    hold(value)
    return value


# -- what to check -----------------------------------------------------------------------------------

IdsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Repo ids (org/name, legacy names like gpt2), Hub URLs or hf:// URIs. "
        "With neither ids nor -f, reads ./models_to_check.txt.",
        show_default=False,
    ),
]
FilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        "-f",
        help="A list of ids, one per line (# comments allowed), or a models_config.yaml. '-' reads stdin. "
        "Repeatable.",
        show_default=False,
    ),
]
RepoTypeOpt = Annotated[RepoTypeChoice, typer.Option("--repo-type", help="Type of bare ids.")]
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--include",
        help="Only files matching this glob (gitignore syntax: '*.py', 'src/**'). Repeatable.",
        show_default=False,
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        help="Leave out files and folders matching this glob (gitignore syntax: 'tests/', '*.ipynb'). "
        "Repeatable.",
        show_default=False,
    ),
]

# -- the Hub: who asks, how patiently (`HubOptions` in hub_options.py gathers them) ------------------

TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="Hugging Face token. Default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HUGGINGFACE_API_TOKEN, "
        "HUGGINGFACE_API_KEY, then the login stored by `hf auth login`.",
        show_default=False,
        callback=_hold_token,
        is_eager=True,
    ),
]
AnonymousOpt = Annotated[
    bool, typer.Option("--anonymous", help="Send no token, whatever the environment holds.")
]
JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", min=1, max=64, help="Checks run at once (one shared HTTP session).")
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=0.1,
        help="Seconds for one whole request (connect, headers, body) before it is retried.",
    ),
]
RetriesOpt = Annotated[
    int, typer.Option("--retries", min=0, max=20, help="Retries on 429, 5xx, timeouts, dropped connections.")
]
MaxWaitOpt = Annotated[
    float | None,
    typer.Option(
        "--max-wait",
        min=0,
        help="Longest wait, in seconds, for a rate-limit window or a Retry-After; repos a longer wait would "
        "hold become `error` verdicts with the reason. Default: 60 on a terminal, 300 otherwise.",
        show_default=False,
    ),
]
DeadlineOpt = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        min=1,
        help="Seconds for the whole run; repos not checked by then become `error` verdicts. Default: none.",
        show_default=False,
    ),
]
BudgetOpt = Annotated[
    str | None,
    typer.Option(
        "--budget",
        help="Cap the run's requests per rate-limit bucket, e.g. api=900,resolvers=4000; repos past the "
        "cap become `error` verdicts naming the budget.",
        show_default=False,
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Do not read or write the metadata cache (facts fixed by a repo's commit, kept between runs so "
        "a repeat run spends file probes instead of api requests; HUBGATE_CACHE_DIR, else the user cache "
        "dir).",
    ),
]

# -- the registry -------------------------------------------------------------------------------------

RegistryDirsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--registry",
        help="A folder of your own entries (models/<org>/<name>.yaml, gpus/<id>.yaml), merged over the "
        "bundled ones; an entry with the same id replaces the bundled one. Repeatable; HUBGATE_REGISTRY "
        "adds more.",
        show_default=False,
    ),
]
NoRegistryOpt = Annotated[
    bool,
    typer.Option(
        "--no-registry",
        help="Leave the model registry out: no aliases, registry facts, misspellings or alternatives.",
    ),
]

# -- output -------------------------------------------------------------------------------------------

TableOrJsonOpt = Annotated[str, typer.Option("--format", help="table or json.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]

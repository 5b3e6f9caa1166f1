"""The options of the `hubgate requests` commands (owner_requests.py); the shared ones are in options.py."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

# Members named as their values (StrEnum's own values): the choices --help shows.
StatusChoice = StrEnum("StatusChoice", "pending accepted rejected reset")
ListFormat = StrEnum("ListFormat", "table json csv")
AnswerFormat = StrEnum("AnswerFormat", "table json")

StatusOpt = Annotated[StatusChoice, typer.Option("--status", help="Which requests to list.")]
ListFormatOpt = Annotated[ListFormat, typer.Option("--format", help="table, json or csv.")]

RepoArg = Annotated[
    str,
    typer.Argument(help="The gated repo: org/name, datasets/org/name, or its Hub URL.", show_default=False),
]
UsersArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="User names; id:REQUEST_ID names a request on repos that hide requesters' names.",
        show_default=False,
    ),
]
UsersFileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--file",
        "-f",
        help="A file of users, one per line (id:REQUEST_ID allowed, # comments). Shows the plan and asks "
        "before sending (or --yes). '-' reads stdin (needs --yes). Repeatable.",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation of a -f bulk run.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be done; send nothing.")]
AnswerFormatOpt = Annotated[AnswerFormat, typer.Option("--format", help="table or json (results on stdout).")]
ReasonOpt = Annotated[
    str | None,
    typer.Option("--reason", help="Shown to the users (at most 200 characters).", show_default=False),
]
RulesOpt = Annotated[
    Path,
    typer.Option("--rules", help="YAML allow-list: email_domains and/or organisations.", show_default=False),
]
ApplyOpt = Annotated[
    bool, typer.Option("--apply", help="Accept the matching requests (default: only show them).")
]

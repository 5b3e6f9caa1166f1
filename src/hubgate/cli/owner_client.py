"""What the `hubgate requests` commands act through: the repo's owner client on the run's one Hub
client, and an output that scrubs the token from everything printed."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import typer

from hubgate.cli.errors import fail_usage
from hubgate.cli.hub_options import HubOptions
from hubgate.cli.options import RepoTypeChoice
from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_ERROR

if TYPE_CHECKING:
    from hubgate.owner.client import OwnerClient, OwnerProblem


def owner_client(repo: str, repo_type: RepoTypeChoice, hub: HubOptions) -> tuple[OwnerClient, ScrubbedOutput]:
    """The repo's client on the run's one Hub client; a bad option or repo id is a usage error."""
    from hubgate.inputs.refs import InvalidRef, parse_ref
    from hubgate.owner.client import OwnerClient

    endpoint, token = hub.endpoint(), hub.resolve_token()
    ref = parse_ref(repo, default_type=repo_type.value, endpoint=endpoint)
    if isinstance(ref, InvalidRef):
        fail_usage(f"{ref.input}: {ref.reason}")
    client = OwnerClient(hub.service(endpoint, token), ref.repo_id, repo_type=ref.repo_type)
    return client, ScrubbedOutput(token.value)


class ScrubbedOutput:
    """Everything printed goes through `scrub`: no token value ever reaches the terminal or a pipe."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret

    @property
    def width(self) -> int:
        """How wide a table may be: the terminal's, or COLUMNS; unbounded in a pipe without COLUMNS."""
        from hubgate.cli.formats import table_console

        return table_console().width

    def out(self, text: str, *, err: bool = False) -> None:
        from hubgate.inputs.secrets import scrub

        stream = sys.stderr if err else sys.stdout
        stream.write(scrub(text, self.secret))
        stream.flush()

    def fail(self, problem: OwnerProblem) -> NoReturn:
        self.out(f"hubgate: {problem.message}\n", err=True)
        raise typer.Exit(EXIT_ERROR if problem.transient else EXIT_ACTION)

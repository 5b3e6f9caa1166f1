"""The options of every command that talks to the Hub, and the one Hub client they configure.

`@hub_command` adds `--token`, `--anonymous`, `--retries`, `--timeout`, `--max-wait`, `--deadline` and
`--budget` to a command and hands them over as one `HubOptions`, so each such command builds its Hub
client the same way: one pacer that announces its waits, one deadline, one budget, one retry policy and
one request tally.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from hubgate.cli.common import (
    AnonymousOption,
    BudgetOption,
    DeadlineOption,
    MaxWaitOption,
    RetriesOption,
    TimeoutOption,
    TokenOption,
)
from hubgate.verdicts.exit_codes import EXIT_ACTION, EXIT_ERROR

if TYPE_CHECKING:
    from hubgate.hub.service import HubService
    from hubgate.hub.token import ResolvedToken
    from hubgate.owner.client import OwnerProblem


@dataclass(frozen=True)
class HubOptions:
    token: str | None
    anonymous: bool
    retries: int
    timeout: float
    max_wait: float | None
    deadline: float | None
    budget: str | None

    def resolve_token(self) -> ResolvedToken:
        """--token and --anonymous, checked (a contradiction ends the run with one line) and resolved."""
        from hubgate.cli.common import resolve_token_options

        return resolve_token_options(self.token, self.anonymous)

    @staticmethod
    def endpoint() -> str:
        """HF_ENDPOINT, else the Hub's address; one line and exit 2 when it is not an http(s) URL."""
        from hubgate.check.session import default_endpoint
        from hubgate.cli.common import check_endpoint_variable

        check_endpoint_variable()
        return default_endpoint()

    def service(self, endpoint: str, token: ResolvedToken) -> HubService:
        """The run's Hub client; a bad --timeout, --max-wait, --deadline or --budget ends the run with one
        line before anything is sent."""
        from hubgate.cli.common import announcing_pacer, budget_option, retry_policy
        from hubgate.hub.service import HubService

        policy = retry_policy(self.retries, self.timeout, self.max_wait, self.deadline)
        caps = budget_option(self.budget)
        return HubService(endpoint, token.value, policy=policy, pacer=announcing_pacer(policy), budget=caps)


_OPTIONS: list[tuple[str, Any, Any]] = [
    ("token", str | None, TokenOption),
    ("anonymous", bool, AnonymousOption),
    ("retries", int, RetriesOption),
    ("timeout", float, TimeoutOption),
    ("max_wait", float | None, MaxWaitOption),
    ("deadline", float | None, DeadlineOption),
    ("budget", str | None, BudgetOption),
]


def hub_command(command: Callable[..., Any], *, without: tuple[str, ...] = ()) -> Callable[..., Any]:
    """`command(..., hub: HubOptions)` as a Typer command whose Hub options come after its own. `without`:
    parameters this command does not offer (one body serving several commands); they arrive as None."""
    own = inspect.signature(command, eval_str=True)
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, kind, option in _OPTIONS
    ]
    kept = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in own.parameters.values()
        if p.name != "hub" and p.name not in without
    ]

    @functools.wraps(command)
    def run(**values: Any) -> Any:
        hub = HubOptions(**{name: values.pop(name) for name, _, _ in _OPTIONS})
        return command(**values, **dict.fromkeys(without), hub=hub)

    run.__signature__ = own.replace(parameters=[*kept, *added])  # type: ignore[attr-defined]
    run.__annotations__ = {}  # Typer reads the signature above, whose annotations are evaluated
    return run


class ScrubbedOutput:
    """Everything printed goes through `scrub`: no token value ever reaches the terminal or a pipe."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret

    def out(self, text: str, *, err: bool = False) -> None:
        from hubgate.inputs.secrets import scrub

        stream = sys.stderr if err else sys.stdout
        stream.write(scrub(text, self.secret))
        stream.flush()

    def fail(self, problem: OwnerProblem) -> NoReturn:
        self.out(f"hubgate: {problem.message}\n", err=True)
        raise typer.Exit(EXIT_ERROR if problem.transient else EXIT_ACTION)

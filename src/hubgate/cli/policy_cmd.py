"""`hubgate policy show`: the effective pre-flight policy and where each value came from."""

from __future__ import annotations

from typing import Annotated

import typer

from hubgate.cli.inputs import effective_policy, failing_statuses

policy_app = typer.Typer(help="The pre-flight policy (hubgate.toml or [tool.hubgate] in pyproject.toml).")

FailOnOpt = Annotated[
    str | None, typer.Option("--fail-on", help="As on `check`: override the file's fail-on.")
]
MaxSizeOpt = Annotated[str | None, typer.Option("--max-size", help="As on `check`: override max-size.")]
AllowRemoteCodeOpt = Annotated[
    list[str] | None, typer.Option("--allow-remote-code", help="As on `check`: override allow-remote-code.")
]


@policy_app.command("show")
def show(
    fail_on: FailOnOpt = None,
    max_size: MaxSizeOpt = None,
    allow_remote_code: AllowRemoteCodeOpt = None,
) -> None:
    """Print the effective policy and where each value came from (default, file and key, or option)."""
    from hubgate.render.policy import policy_text

    policy = effective_policy(fail_on=fail_on, max_size=max_size, allow_remote_code=allow_remote_code)
    failing_statuses(policy)
    typer.echo(policy_text(policy))

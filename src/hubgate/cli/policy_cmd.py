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
    policy = effective_policy(fail_on=fail_on, max_size=max_size, allow_remote_code=allow_remote_code)
    failing_statuses(policy)
    lines = [f"Policy file: {policy.file or 'none (no hubgate.toml or [tool.hubgate] found upward)'}"]
    width = max(len(key) for key in policy.settings)
    shown = {key: _shown(key, s.value) for key, s in policy.settings.items()}
    value_width = max(len(v) for v in shown.values())
    for key, setting in policy.settings.items():
        lines.append(f"  {key:<{width}}  {shown[key]:<{value_width}}  from {setting.source}")
    typer.echo("\n".join(lines))


def _shown(key: str, value: object) -> str:
    from hubgate.units import human_bytes

    if value is None:
        return "none"
    if key == "max-size" and isinstance(value, int):
        return human_bytes(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)

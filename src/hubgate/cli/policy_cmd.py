"""`hubgate policy show`: the effective pre-flight policy and where each value came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hubgate.cli.common import fail_usage

if TYPE_CHECKING:
    from hubgate.inputs.policy import Policy

policy_app = typer.Typer(help="The pre-flight policy (hubgate.toml or [tool.hubgate] in pyproject.toml).")


def effective_policy(
    *, fail_on: str | None = None, max_size: str | None = None, allow_remote_code: list[str] | None = None
) -> Policy:
    """The policy file found upward from the working directory, with these options over it; a bad file or
    option ends the run with one line naming the file and key."""
    from hubgate.inputs.policy import PolicyError, load_policy
    from hubgate.units import parse_bytes
    from hubgate.verdicts.exit_codes import parse_fail_on

    size = None
    if max_size is not None:
        try:
            size = parse_bytes(max_size)
        except ValueError as exc:
            fail_usage(f"--max-size: {exc}")
    overrides = {
        "fail-on": (fail_on, "--fail-on"),
        "max-size": (size, "--max-size"),
        "allow-remote-code": (allow_remote_code or None, "--allow-remote-code"),
    }
    try:
        return load_policy(overrides=overrides, check_fail_on=parse_fail_on)
    except PolicyError as exc:
        fail_usage(
            str(exc),
            hint=exc.hint or "fix the key or remove it; `hubgate policy show` prints the policy in effect",
        )


def _shown(key: str, value: object) -> str:
    from hubgate.units import human_bytes

    if value is None:
        return "none"
    if key == "max-size" and isinstance(value, int):
        return human_bytes(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)


@policy_app.command("show")
def show(
    fail_on: str | None = typer.Option(None, "--fail-on", help="As on `check`: override the file's fail-on."),
    max_size: str | None = typer.Option(None, "--max-size", help="As on `check`: override max-size."),
    allow_remote_code: list[str] | None = typer.Option(
        None, "--allow-remote-code", help="As on `check`: override allow-remote-code."
    ),
) -> None:
    """Print the effective policy and where each value came from (default, file and key, or option)."""
    policy = effective_policy(fail_on=fail_on, max_size=max_size, allow_remote_code=allow_remote_code)
    from hubgate.verdicts.exit_codes import FailOnError, parse_fail_on

    try:
        parse_fail_on(policy.fail_on)
    except FailOnError as exc:
        fail_usage(str(exc))
    lines = [f"Policy file: {policy.file or 'none (no hubgate.toml or [tool.hubgate] found upward)'}"]
    width = max(len(key) for key in policy.settings)
    shown = {key: _shown(key, s.value) for key, s in policy.settings.items()}
    value_width = max(len(v) for v in shown.values())
    for key, setting in policy.settings.items():
        lines.append(f"  {key:<{width}}  {shown[key]:<{value_width}}  from {setting.source}")
    typer.echo("\n".join(lines))

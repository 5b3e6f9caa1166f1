"""`hubgate policy show`: the effective pre-flight policy, one line per key with where it came from."""

from __future__ import annotations

from hubgate.inputs.policy import Policy
from hubgate.units import human_bytes


def policy_text(policy: Policy) -> str:
    lines = [f"Policy file: {policy.file or 'none (no hubgate.toml or [tool.hubgate] found upward)'}"]
    width = max(len(key) for key in policy.settings)
    shown = {key: _shown(key, s.value) for key, s in policy.settings.items()}
    value_width = max(len(v) for v in shown.values())
    for key, setting in policy.settings.items():
        lines.append(f"  {key:<{width}}  {shown[key]:<{value_width}}  from {setting.source}")
    return "\n".join(lines)


def _shown(key: str, value: object) -> str:
    if value is None:
        return "none"
    if key == "max-size" and isinstance(value, int):
        return human_bytes(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)

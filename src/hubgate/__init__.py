"""hubgate: which Hugging Face models and datasets your token can use, what blocks the rest, and the next step.

The public API is imported lazily so that `hubgate --version` and `--help` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hubgate._version import __version__

_LAZY = {
    "check_model_access": ("hubgate.check.api", "check_model_access"),
    "check_models": ("hubgate.check.api", "check_models"),
    "Verdict": ("hubgate.verdicts.verdict", "Verdict"),
    "Status": ("hubgate.verdicts.verdict", "Status"),
}

__all__ = ["Status", "Verdict", "__version__", "check_model_access", "check_models"]

if TYPE_CHECKING:
    from hubgate.check.api import check_model_access, check_models
    from hubgate.verdicts.verdict import Status, Verdict


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'hubgate' has no attribute {name!r}")

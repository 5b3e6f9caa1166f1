"""Renderers: a Report in, text out. Each format is one module with `render(report, ...) -> str`."""

from __future__ import annotations

FORMATS = ("table", "json", "quiet")

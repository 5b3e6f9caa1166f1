"""The same repos under several tokens: which token has been approved for what. Tokens are named by
account and token name, never by value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubgate.check.extras import Extras
from hubgate.check.report import Report, report_json, token_json
from hubgate.check.run import DEFAULT_JOBS, run_check
from hubgate.check.session import Session
from hubgate.hub.token import ResolvedToken, TokenInfo
from hubgate.inputs.refs import AnyRef
from hubgate.inputs.sources import InputError
from hubgate.verdicts.verdict import USABLE, Verdict

if TYPE_CHECKING:
    from hubgate.hub.cache import MetadataCache


def tokens_from_file(path: str) -> list[ResolvedToken]:
    """One token per line, optionally `name=token`; blank lines and # comments allowed. Read within
    MAX_CONFIG_BYTES, so `/dev/zero` or a pipe that never ends is one line, not a hang."""
    from hubgate.inputs.bounded import MAX_CONFIG_BYTES, UnreadableFile, read_capped

    shape = "one per line, optionally name=token"
    try:
        data = read_capped(path, MAX_CONFIG_BYTES, what="token file")
    except UnreadableFile as exc:
        raise InputError(f"--token-file {exc}", exc.hint) from None
    try:
        if b"\x00" in data:
            raise ValueError
        text = data.decode("utf-8-sig")
    except ValueError:
        raise InputError(
            f"--token-file {path}: not a text file of tokens ({shape})", "save the tokens as UTF-8 text"
        ) from None
    tokens = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, value = line.rpartition("=")
        value = value.strip()
        if not value or any(ch.isspace() or not ch.isprintable() or not ch.isascii() for ch in value):
            # The line is never echoed: it may hold a secret.
            raise InputError(f"--token-file {path}:{number}: not a token ({shape})")
        tokens.append(ResolvedToken(value, name.strip() or f"{Path(path).name}:{number}"))
    if not tokens:
        raise InputError(f"--token-file {path}: no tokens in it ({shape})")
    return tokens


def stored_tokens() -> list[ResolvedToken]:
    """The tokens saved by `hf auth login`, as `hf auth list` shows them."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_stored_tokens

    from hubgate.hub.token import check_login_file
    from hubgate.inputs.bounded import UnreadableFile

    try:
        check_login_file(constants.HF_STORED_TOKENS_PATH)
    except UnreadableFile as exc:
        raise InputError(f"--all-stored-tokens: {exc}", exc.hint) from None
    tokens = [
        ResolvedToken(value, f"stored:{name}") for name, value in sorted(get_stored_tokens().items()) if value
    ]
    if not tokens:
        raise InputError(
            "--all-stored-tokens: `hf auth login` has stored no tokens on this machine (see `hf auth list`)"
        )
    return tokens


def label(info: TokenInfo) -> str:
    """The column header: the name the file or `hf auth login` gave the token; for an unnamed line of a
    token file, the account and token name whoami reports."""
    given = info.source.removeprefix("stored:")
    unnamed = ":" in given  # "tokens.txt:3", a line without name=
    if info.valid is False:
        return f"{given} (rejected)"
    if unnamed and info.user:
        return f"{info.user}/{info.name}" if info.name else info.user
    return given


@dataclass
class Matrix:
    labels: list[str]
    reports: list[Report]

    def rows(self) -> list[tuple[Verdict, list[Verdict]]]:
        """Per repo: the best verdict (usable under some token, else the first token's) and all of them."""
        rows = []
        for index, first in enumerate(self.reports[0].verdicts):
            column = [report.verdicts[index] for report in self.reports]
            best = next((v for v in column if v.status in USABLE), first)
            rows.append((best, column))
        return rows


def check_matrix(
    tokens: Sequence[ResolvedToken],
    refs: Sequence[AnyRef],
    session_for: Callable[[ResolvedToken], Session],
    *,
    jobs: int = DEFAULT_JOBS,
    extras: Extras | None = None,
    cache: MetadataCache | None = None,
) -> Matrix:
    """`refs` checked under each token, one session per token."""
    # The matrix shows statuses only: alternatives and fit would spend requests for nothing.
    extras = replace(extras or Extras(), alternatives=False, fit=None)
    reports = [run_check(session_for(token), refs, jobs=jobs, extras=extras, cache=cache) for token in tokens]
    labels: list[str] = []
    for report in reports:
        name = label(report.token)
        labels.append(name if name not in labels else f"{name} #{labels.count(name) + 1}")
    return Matrix(labels, reports)


def matrix_json(matrix: Matrix) -> dict[str, Any]:
    first = matrix.reports[0]
    return {
        "schema_version": 1,
        "endpoint": first.endpoint,
        "checked_at": first.checked_at.isoformat(timespec="seconds"),
        "tokens": [
            {"label": name, **token_json(r.token)}
            for name, r in zip(matrix.labels, matrix.reports, strict=True)
        ],
        "models": [
            {
                "input": best.input,
                "id": best.model_id,
                "repo_type": best.repo_type,
                "statuses": {name: v.status.value for name, v in zip(matrix.labels, column, strict=True)},
                "usable_with": [
                    name for name, v in zip(matrix.labels, column, strict=True) if v.status in USABLE
                ],
                "url": best.url,
            }
            for best, column in matrix.rows()
        ],
        "runs": [report_json(report) for report in matrix.reports],
    }

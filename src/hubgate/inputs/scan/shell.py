"""Shell scripts, Dockerfiles, Makefiles and the `run:`/`script:` lines of CI YAML, read line by line:
`hf download ID`, `huggingface-cli download ID`, `hf_hub_download(...)` in inline Python,
`HF_MODEL=...`-style variables, and `git clone https://huggingface.co/ID`."""

from __future__ import annotations

import re
import shlex

from hubgate.inputs.refs import RepoType
from hubgate.inputs.scan.ids import hub_id, hub_url, revision_name
from hubgate.inputs.scan.model import IGNORE_MARK, Dynamic, Found, Place

TRIGGERS = ("download", "huggingface.co", "hf.co", "MODEL", "DATASET")

_DOWNLOAD_RE = re.compile(r"(?<![\w-])(hf|huggingface-cli)\s+download\b")
_VALUE_FLAGS = frozenset(
    {"--repo-type", "--revision", "--local-dir", "--cache-dir", "--token", "--max-workers", "--format"}
)
_MULTI_FLAGS = frozenset({"--include", "--exclude"})
_END_TOKENS = frozenset({"&&", "||", ";", "|", ">", ">>", "<", "\\", "2>", "&"})
_CALL_RE = re.compile(
    r"\b(hf_hub_download|snapshot_download)\(\s*(?:repo_id\s*=\s*)?(?P<q>[\"'])(?P<id>[^\"']+)(?P=q)(?P<rest>[^)]*)"
)
_VAR_RE = re.compile(
    r"^\s*(?:export\s+|ENV\s+|ARG\s+)?(?P<name>[A-Z][A-Z0-9_]*)\s*(?:[?:+]?=|\s)\s*(?P<q>[\"']?)(?P<value>[^\s\"'#]+)(?P=q)"
)
_URL_RE = re.compile(r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/\S+")
# The text one command's arguments are read from. A generated one-line file of 100,000 `hf download`
# commands would otherwise be tokenized from each of them to its end: quadratic in the line.
_MAX_COMMAND = 4096
_SEPARATOR_RE = re.compile(r"&&|\|\||[;|&]")  # where the command ends (shlex would read on, slowly)


def var_kind(name: str) -> RepoType | None:
    """`HF_MODEL`, `BASE_MODEL_ID` -> model; `HF_DATASET` -> dataset; paths and dirs -> None."""
    if any(word in name for word in ("DIR", "PATH", "FILE", "CACHE", "HOME", "TOKEN")):
        return None
    if "DATASET" in name:
        return "dataset"
    if "MODEL" in name:
        return "model"
    return None


def scan_shell(
    text: str, file: str, *, line_offset: int = 0, cell: int | None = None
) -> tuple[list[Found], list[Dynamic]]:
    if not any(trigger in text for trigger in TRIGGERS):
        return [], []
    found: list[Found] = []
    dynamic: list[Dynamic] = []
    for number, line in enumerate(text.splitlines(), start=1 + line_offset):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or IGNORE_MARK in line:
            continue

        def at(
            column: int, via: str, number: int = number, revision: str | None = None, pin_with: str = ""
        ) -> Place:
            return Place(file, number, column + 1, via, cell, revision=revision, pin_with=pin_with)

        for match in _DOWNLOAD_RE.finditer(line):
            _download(line, match, at, found, dynamic)
        for match in _CALL_RE.finditer(line):
            kind: RepoType | None = "model"
            if re.search(r"repo_type\s*=\s*[\"']dataset", match.group("rest")):
                kind = "dataset"
            elif re.search(r"repo_type\s*=\s*[\"']space", match.group("rest")):
                kind = None
            repo = hub_id(match.group("id"), legacy=True)
            if kind and repo:
                found.append(Found(repo, kind, at(match.start("q"), match.group(1))))
        var = _VAR_RE.match(line)
        if var and (kind := var_kind(var.group("name"))):
            repo = hub_id(var.group("value"), legacy=False)
            if repo:
                found.append(
                    Found(repo, kind, at(var.start("value") - len(var.group("q")), var.group("name")))
                )
        if "clone" in line:
            for url in _URL_RE.finditer(line):
                parsed = hub_url(url.group(0))
                before = line[max(0, url.start() - _MAX_COMMAND) : url.start()]
                if parsed and re.search(r"\bgit\s+(?:lfs\s+)?clone\b", before):
                    found.append(Found(parsed[1], parsed[0], at(url.start(), "git clone")))  # type: ignore[arg-type]
    return found, dynamic


def _download(line: str, match: re.Match[str], at, found: list[Found], dynamic: list[Dynamic]) -> None:  # type: ignore[no-untyped-def]
    via = f"{match.group(1)} download"
    rest = _SEPARATOR_RE.split(line[match.end() : match.end() + _MAX_COMMAND], maxsplit=1)[0]
    try:
        tokens = shlex.split(rest, comments=True)
    except ValueError:
        tokens = rest.split()
    kind: RepoType | None = "model"
    repo_token: str | None = None
    revision: str | None = None
    pinned = False  # `--revision` given (its value may be a variable the scan cannot read)
    skip = 0
    skipped_flag = ""
    multi = False
    for token in tokens:
        if skip:
            if skipped_flag == "--repo-type" and kind is not None and token in ("dataset", "model", "space"):
                kind = None if token == "space" else token  # type: ignore[assignment]
            elif skipped_flag == "--revision":
                revision = revision_name(token)
            skip -= 1
            continue
        if token in _END_TOKENS or token.endswith(";"):
            break
        if token.startswith("--"):
            flag, _, value = token.partition("=")
            multi = flag in _MULTI_FLAGS
            if flag == "--repo-type" and value:
                kind = None if value == "space" else value  # type: ignore[assignment]
            elif flag == "--revision" and value:
                revision = revision_name(value)
            elif flag in _VALUE_FLAGS and not value:
                skip, skipped_flag = 1, flag
            pinned = pinned or flag == "--revision"
            continue
        if multi or token.startswith("-"):
            continue
        if repo_token is None:
            repo_token = token  # the first positional; later ones are file names, but flags still count
    if repo_token is None or kind is None:
        return
    column = line.find(repo_token, match.end())
    if column < 0:  # quoted in the line: point at the quote
        column = max(
            line.find(repo_token.join('""'), match.end()),
            line.find(repo_token.join("''"), match.end()),
            match.end(),
        )
    if "$" in repo_token or "{{" in repo_token:
        dynamic.append(Dynamic(at(column, via), repo_token))
        return
    parsed = hub_url(repo_token)
    repo = parsed[1] if parsed else hub_id(repo_token, legacy=True)
    if repo:
        found.append(
            Found(repo, kind, at(column, via, revision=revision, pin_with="" if pinned else "--revision"))
        )

"""What the user gives a command, read and checked before any request: ids and lists, the code a
`--scan` reads, the pre-flight policy, and option values that must not be sent as typed. A problem ends
the run with one line and exit 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hubgate.cli.errors import fail_usage
from hubgate.cli.options import RepoTypeChoice

if TYPE_CHECKING:
    from hubgate.inputs.policy import Policy
    from hubgate.inputs.refs import AnyRef, CollectionRef, RepoRef
    from hubgate.inputs.scan.model import ScanResult
    from hubgate.registry.summary import RegistrySummary

    Refs = list[AnyRef]


def load_refs(
    ids: list[str] | None,
    files: list[str] | None,
    repo_type: RepoTypeChoice,
    *,
    other_input: bool = False,
    registry: RegistrySummary | None = None,
    revision: str | None = None,
    scanned: list[RepoRef | CollectionRef] | None = None,
) -> tuple[str, Refs]:
    """The endpoint and the parsed inputs; input problems end the run with one line and exit 2.
    With `other_input` (e.g. --author), no ids is fine and ./models_to_check.txt is not read.
    With a `registry`, its short names (mistral_7b) stand for their Hub ids in model inputs.
    `scanned` (the repos of a --scan) come first, each once: an id also given in a list keeps the list's."""
    from hubgate.check.session import default_endpoint
    from hubgate.inputs.refs import RepoRef
    from hubgate.inputs.sources import DEFAULT_LIST, InputError, parse_entries, read_entries

    endpoint = default_endpoint()
    other_input = other_input or scanned is not None
    try:
        entries = read_entries(ids or [], files or [], default_file=None if other_input else DEFAULT_LIST)
    except InputError as exc:
        fail_usage(str(exc), hint=exc.hint or None)
    aliases = None
    if registry is not None and repo_type == RepoTypeChoice.model:
        from hubgate.registry.check_extras import input_aliases

        aliases = input_aliases(registry)
    refs = parse_entries(
        entries, default_type=repo_type.value, endpoint=endpoint, aliases=aliases, revision=revision
    )
    if not refs and not other_input:
        fail_usage("the input lists no repos (only blank lines or comments)")
    if scanned:
        given = {ref.key for ref in refs if isinstance(ref, RepoRef)}
        refs = [*(ref for ref in scanned if ref.key not in given), *refs]
    return endpoint, refs


def run_scan(
    paths: list[str] | None,
    include: list[str] | None,
    exclude: list[str] | None,
    *,
    skipped_on_stderr: bool = True,
) -> ScanResult:
    """Scan, with bad paths as one line (exit 2), files that could not be parsed as warnings and files
    left out (links out of the tree, devices, oversized, unreadable) as notes on stderr."""
    from hubgate.inputs.scan import scan_paths

    try:
        result = scan_paths(paths or ["."], include, exclude)
    except FileNotFoundError as exc:
        from hubgate.inputs.scan.model import shown

        fail_usage(f"{shown(str(exc.args[0]))}: no such file or folder to scan")
    except ValueError as exc:  # an --include/--exclude glob git would not understand
        fail_usage(str(exc), hint="write the glob in gitignore syntax: '*.py', 'tests/', 'src/**'")
    for problem in result.problems:
        sys.stderr.write(f"hubgate: warning: {problem}\n")
    if skipped_on_stderr:
        for item in result.skipped:
            sys.stderr.write(f"hubgate: note: skipped {item}\n")
    return result


def scanned_repos(
    scan: bool, paths: list[str] | None, include: list[str] | None, exclude: list[str] | None
) -> ScanResult | None:
    """`--scan`: what the code under `paths` uses (None without --scan). Values the scan cannot know are
    listed on stderr (`dynamic: not checked`), never guessed."""
    if not scan:
        if include or exclude:
            fail_usage("--include and --exclude go with --scan")
        return None
    result = run_scan(paths, include, exclude)
    for item in sorted(result.dynamic, key=lambda d: d.place):
        sys.stderr.write(f"hubgate: dynamic: not checked: {item.place} {item.place.via}: {item.expression}\n")
    if not result.found:
        sys.stderr.write(f"hubgate: the scan found no Hub repo ids in {result.where()}\n")
    return result


def effective_policy(
    *, fail_on: str | None = None, max_size: str | None = None, allow_remote_code: list[str] | None = None
) -> Policy:
    """The policy file found upward from the working directory, with these options over it; a bad file or
    option ends the run with one line naming the file and key."""
    from hubgate.inputs.policy import load_policy
    from hubgate.inputs.policy_file import PolicyError
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


def failing_statuses(policy: Policy) -> frozenset[str]:
    """The policy's fail-on as the statuses that fail the run; a bad one ends the run with one line."""
    from hubgate.verdicts.exit_codes import FailOnError, parse_fail_on

    try:
        return parse_fail_on(policy.fail_on)
    except FailOnError as exc:
        fail_usage(str(exc), hint=exc.hint or None)


def disk_free(disk: Path | None) -> tuple[int | None, str | None]:
    """--disk: free bytes where the download will land (the folder, or its nearest existing parent)."""
    if disk is None:
        return None, None
    import shutil

    target = disk.expanduser()
    while not target.exists() and target != target.parent:
        target = target.parent
    try:
        return shutil.disk_usage(target).free, str(disk)
    except OSError as exc:
        fail_usage(f"--disk {disk}: cannot read free space ({exc.strerror or exc})")


def checked_revision(revision: str | None) -> str | None:
    """--revision, a branch, tag or commit name: a token typed there would be sent in a URL."""
    if revision is None:
        return None
    from hubgate.inputs.refs import REVISION_RE
    from hubgate.inputs.secrets import looks_like_token

    if looks_like_token(revision):
        fail_usage("--revision: this looks like an access token, not a branch, tag or commit name")
    if not REVISION_RE.fullmatch(revision):
        fail_usage(f"--revision {revision!r}: not a branch, tag or commit name")
    return revision


def checked_authors(authors: list[str] | None) -> list[str]:
    """--author names, checked before any request: an empty one would list every repo of the Hub, and a
    token typed there would be sent in the listing's URL."""
    from hubgate.inputs.secrets import looks_like_token

    for author in authors or []:
        if not author.strip():
            fail_usage("--author is empty", hint="name an organisation or user, e.g. --author meta-llama")
        if looks_like_token(author):
            fail_usage("--author: this looks like an access token, not an organisation or user name")
    return authors or []

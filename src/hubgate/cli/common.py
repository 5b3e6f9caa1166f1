"""Options and helpers shared by commands."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from hubgate.verdicts.exit_codes import EXIT_INTERRUPTED, EXIT_USAGE

if TYPE_CHECKING:
    from hubgate.hub.pacing import RatePacer
    from hubgate.hub.settings import RetryPolicy
    from hubgate.inputs.refs import InvalidRef, RepoRef
    from hubgate.registry.index import Registry


class RepoTypeChoice(StrEnum):
    model = "model"
    dataset = "dataset"


def _hold_token(value: str | None) -> str | None:
    """Hold --token's value as soon as it is parsed, before any other option is checked: one typed again
    where an id or an option value belongs is scrubbed from every message, whatever its shape."""
    from hubgate.inputs.secrets import hold

    hold(value)
    return value


TokenOption = typer.Option(
    None,
    "--token",
    help="Hugging Face token. Default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HUGGINGFACE_API_TOKEN, "
    "HUGGINGFACE_API_KEY, then the login stored by `hf auth login`.",
    show_default=False,
    callback=_hold_token,
    is_eager=True,
)
AnonymousOption = typer.Option(False, "--anonymous", help="Send no token, whatever the environment holds.")
IdsArgument = typer.Argument(
    None,
    help="Repo ids (org/name, legacy names like gpt2), Hub URLs or hf:// URIs. "
    "With neither ids nor -f, reads ./models_to_check.txt.",
    show_default=False,
)
FilesOption = typer.Option(
    None,
    "--file",
    "-f",
    help="A list of ids, one per line (# comments allowed), or a models_config.yaml. '-' reads stdin. Repeatable.",
    show_default=False,
)
RepoTypeOption = typer.Option(RepoTypeChoice.model, "--repo-type", help="Type of bare ids.")
JobsOption = typer.Option(
    8, "--jobs", "-j", min=1, max=64, help="Checks run at once (one shared HTTP session)."
)
TimeoutOption = typer.Option(
    15.0,
    "--timeout",
    min=0.1,
    help="Seconds for one whole request (connect, headers, body) before it is retried.",
)
RetriesOption = typer.Option(
    4, "--retries", min=0, max=20, help="Retries on 429, 5xx, timeouts, dropped connections."
)


MaxWaitOption = typer.Option(
    None,
    "--max-wait",
    min=0,
    help="Longest wait, in seconds, for a rate-limit window or a Retry-After; repos a longer wait would "
    "hold become `error` verdicts with the reason. Default: 60 on a terminal, 300 otherwise.",
    show_default=False,
)
DeadlineOption = typer.Option(
    None,
    "--deadline",
    min=1,
    help="Seconds for the whole run; repos not checked by then become `error` verdicts. Default: none.",
    show_default=False,
)
BudgetOption = typer.Option(
    None,
    "--budget",
    help="Cap the run's requests per rate-limit bucket, e.g. api=900,resolvers=4000; repos past the cap "
    "become `error` verdicts naming the budget.",
    show_default=False,
)
NoCacheOption = typer.Option(
    False,
    "--no-cache",
    help="Do not read or write the metadata cache (facts fixed by a repo's commit, kept between runs so a "
    "repeat run spends file probes instead of api requests; HUBGATE_CACHE_DIR, else the user cache dir).",
)
INTERACTIVE_MAX_WAIT = 60.0
UNATTENDED_MAX_WAIT = 300.0  # cron and CI can sit out one five-minute window, announced on stderr


def retry_policy(retries: int, timeout: float, max_wait: float | None, deadline: float | None) -> RetryPolicy:
    """--retries, --timeout, --max-wait and --deadline as one policy; a value that is not a finite number
    of seconds ends the run with one line."""
    from hubgate.hub.settings import RetryPolicy

    for name, value in (("--timeout", timeout), ("--max-wait", max_wait), ("--deadline", deadline)):
        if value is not None and not math.isfinite(value):
            fail_usage(f"{name} {value}: give a finite number of seconds")
    if max_wait is None:
        max_wait = INTERACTIVE_MAX_WAIT if stderr_is_interactive() else UNATTENDED_MAX_WAIT
    return RetryPolicy(retries=retries, timeout=timeout, max_server_wait=max_wait, deadline=deadline)


def budget_option(text: str | None):
    """--budget parsed, or None; a malformed one ends the run with one line."""
    if text is None:
        return None
    from hubgate.hub.tally import Budget

    try:
        return Budget.parse(text)
    except ValueError as exc:
        fail_usage(f"--budget {exc}")


def metadata_cache(no_cache: bool):
    """The metadata cache for this run, or None with --no-cache; an unusable one is one warning line."""
    if no_cache:
        return None
    from hubgate.hub.cache import MetadataCache

    def tell(note: str) -> None:
        sys.stderr.write(f"hubgate: note: {note}\n")

    cache = MetadataCache(tell=tell)
    if cache.problem is not None:
        sys.stderr.write(f"hubgate: warning: {cache.problem}\n")
    return cache


def announce_wait(bucket: str, seconds: float, why: str) -> None:
    """One stderr line for every wait worth telling (over about 2 s), in every format."""
    sys.stderr.write(f"hubgate: waiting {seconds:.0f} s (Hub {bucket} rate limit): {why}\n")
    sys.stderr.flush()


def announce_notice(text: str) -> None:
    """One stderr line for what a run would otherwise wait on in silence (a Hub that stopped answering)."""
    sys.stderr.write(f"hubgate: {text}\n")
    sys.stderr.flush()


def announcing_pacer(policy: RetryPolicy) -> RatePacer:
    from hubgate.hub.pacing import RatePacer

    return RatePacer(max_wait=policy.max_server_wait, on_wait=announce_wait, on_notice=announce_notice)


@contextmanager
def interruptible(progress: Callable[[], str]) -> Iterator[None]:
    """Ctrl-C stops the run at once: one line saying how far it got, no report (it would pass for a
    complete one), exit 130."""
    try:
        yield
    except KeyboardInterrupt:
        sys.stderr.write(
            f"\nhubgate: interrupted after {progress()}; no report written (it would be incomplete)\n"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None


def check_endpoint_variable() -> None:
    """HF_ENDPOINT, when set, must be an http(s) URL: one line naming the variable and the fix."""
    import os

    from hubgate.hub.settings import EndpointError, validate_endpoint

    value = os.environ.get("HF_ENDPOINT")
    if value is not None:
        try:
            validate_endpoint(value)
        except EndpointError as exc:
            fail_usage(str(exc))


RegistryDirsOption = typer.Option(
    None,
    "--registry",
    help="A folder of your own entries (models/<org>/<name>.yaml, gpus/<id>.yaml), merged over the "
    "bundled ones; an entry with the same id replaces the bundled one. Repeatable; HUBGATE_REGISTRY adds more.",
    show_default=False,
)
NoRegistryOption = typer.Option(
    False,
    "--no-registry",
    help="Leave the model registry out: no aliases, registry facts, misspellings or alternatives.",
)


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    """--format, case-insensitive, one of `allowed`; anything else ends the run with one line."""
    value = value.strip().lower()
    if value not in allowed:
        fail_usage(f"--format {value!r}: use {' or '.join(allowed)}")
    return value


def gpu_catalog(dirs: list[Path] | None):
    """The GPU catalogue (bundled + HUBGATE_REGISTRY + --registry folders' gpus/); problems are listed
    on stderr and end the run, since a GPU figure taken on trust would give a wrong fit."""
    from hubgate.fit.catalog import CatalogError, load_catalog

    require_folders(dirs)
    try:
        catalog = load_catalog(dirs or ())
    except CatalogError as exc:
        for problem in exc.problems:
            sys.stderr.write(f"{problem}\n")
        fail_usage(
            f"the GPU catalogue has {len(exc.problems)} problem(s) (listed above)",
            hint="fix those gpus/ files, or leave their --registry folder out",
        )
    for line in catalog.overrides:
        sys.stderr.write(f"note: {line}\n")
    return catalog


def dtype_option(dtype: str | None) -> str | None:
    """--dtype normalised (fp16 -> float16, ...); an unknown precision ends the run with one line."""
    if dtype is None:
        return None
    from hubgate.fit.estimate import UnknownDtypeError, normalise_dtype

    try:
        return normalise_dtype(dtype)
    except UnknownDtypeError as exc:
        fail_usage(f"--dtype: {exc}")


def gpus_option(names: list[str] | tuple[str, ...], catalog):
    """--gpu names resolved in `catalog`; an unknown one ends the run with one line and a did-you-mean."""
    from hubgate.fit import gpu_specs
    from hubgate.fit.catalog import UnknownGpuError

    try:
        return gpu_specs(names, catalog)
    except UnknownGpuError as exc:
        fail_usage(f"--gpu: {exc}")


def require_folders(dirs: list[Path] | None) -> None:
    """Every --registry folder must exist: a typo would silently drop the user's entries."""
    for folder in dirs or ():
        if not folder.is_dir():
            fail_usage(f"--registry {folder}: no such folder")


def check_registry(dirs: list[Path] | None, disabled: bool):
    """The model registry a check joins in, or None with --no-registry. A bad --registry folder ends the run;
    entries with problems are left out with a warning, since access checks do not depend on them."""
    if disabled:
        if dirs:
            fail_usage("--registry and --no-registry contradict each other; pass one")
        return None
    require_folders(dirs)
    from hubgate.registry.loader import load_registry

    registry = load_registry([*(dirs or ())], strict=False)
    if registry.problems:
        sys.stderr.write(
            f"hubgate: warning: the registry has {len(registry.problems)} problem(s), first: "
            f"{registry.problems[0]}; those entries are left out (`hubgate registry validate` lists all)\n"
        )
    return registry


def pick_format(fmt: str, as_json: bool, quiet: bool = False, *, default: str = "table") -> str:
    """--format with its shorthands --json and -q; contradictory ones end the run with one line."""
    fmt = str(getattr(fmt, "value", fmt))
    if as_json and quiet:
        fail_usage(
            "--json and -q contradict each other; pass one", hint="--json is --format json, -q --format quiet"
        )
    shorthand = "json" if as_json else ("quiet" if quiet else None)
    if shorthand is None:
        return fmt
    if fmt not in (default, shorthand):
        flag = "--json" if as_json else "-q"
        fail_usage(f"{flag} and --format {fmt} contradict each other; pass one")
    return shorthand


def fail_usage(message: str, hint: str | None = None) -> NoReturn:
    """One clear line on stderr (and a hint, when given), exit 2; never a traceback."""
    sys.stderr.write(f"hubgate: error: {message}\n" + (f"  hint: {hint}\n" if hint else ""))
    raise typer.Exit(EXIT_USAGE)


def fail_unreadable(exc: Exception, prefix: str = "") -> NoReturn:
    """A file that could not be read within its bounds (`UnreadableFile`, or an error carrying a
    `hint`): its one line, `prefix` (the option that named it) first, and its hint."""
    fail_usage(f"{prefix}{exc}", hint=getattr(exc, "hint", None) or None)


def resolve_token_options(token: str | None, anonymous: bool):
    """--token and --anonymous, checked and resolved (the environment and the stored login follow). An
    empty --token, or a token with a line break or space inside, ends the run before any request."""
    from hubgate.hub.token import TokenError, resolve_token
    from hubgate.inputs.bounded import UnreadableFile

    if token is not None and anonymous:
        fail_usage("--token and --anonymous contradict each other; pass one")
    if token is not None and not token.strip():
        fail_usage(
            "--token is empty",
            hint="pass the token, or leave --token out to use HF_TOKEN or the login of `hf auth login`",
        )
    try:
        return resolve_token(token, anonymous=anonymous)
    except UnreadableFile as exc:
        fail_unreadable(exc)
    except TokenError as exc:
        fail_usage(str(exc), hint="copy the token again: it is one line, hf_ and letters and digits")


def table_console():
    """A Rich console for tables on stdout: colour only on a terminal without NO_COLOR, and no
    truncation in pipes and logs (long model ids stay whole)."""
    import os

    from rich.console import Console

    tty = sys.stdout.isatty()
    return Console(
        file=None if tty else TrimmedLines(sys.stdout),
        highlight=False,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        color_system="auto" if tty else None,
        width=None if tty else 1000,
        soft_wrap=not tty,
    )


class TrimmedLines:
    """A text stream that drops the spaces Rich pads table cells with at the end of lines (pipes, logs)."""

    def __init__(self, out) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write("\n".join(line.rstrip(" ") for line in text.split("\n")))
        return len(text)

    def flush(self) -> None:
        self._out.flush()

    def isatty(self) -> bool:
        return False


def stderr_is_interactive() -> bool:
    return sys.stderr.isatty()


def load_refs(
    ids: list[str] | None,
    files: list[str] | None,
    repo_type: RepoTypeChoice,
    *,
    other_input: bool = False,
    registry: Registry | None = None,
    revision: str | None = None,
) -> tuple[str, list[RepoRef | InvalidRef]]:
    """The endpoint and the parsed inputs; input problems end the run with one line and exit 2.
    With `other_input` (e.g. --author), no ids is fine and ./models_to_check.txt is not read.
    With a `registry`, its short names (mistral_7b) stand for their Hub ids in model inputs."""
    from hubgate.check.session import default_endpoint
    from hubgate.inputs.sources import DEFAULT_LIST, InputError, parse_entries, read_entries

    endpoint = default_endpoint()
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
    return endpoint, refs

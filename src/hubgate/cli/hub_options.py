"""The Hub options of a command (`--token`, `--anonymous`, `--retries`, `--timeout`, `--max-wait`,
`--deadline`, `--budget`, declared with the aliases of options.py) gathered as one `HubOptions`, and the
one Hub client they configure: every command builds it the same way, with one pacer that announces its
waits on stderr, one deadline, one budget, one retry policy and one request tally."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from hubgate.cli.errors import fail_unreadable, fail_usage

if TYPE_CHECKING:
    from hubgate.check.session import Session
    from hubgate.hub.cache import MetadataCache
    from hubgate.hub.pacing import RatePacer
    from hubgate.hub.service import HubService
    from hubgate.hub.settings import RetryPolicy
    from hubgate.hub.tally import Budget
    from hubgate.hub.token import ResolvedToken

INTERACTIVE_MAX_WAIT = 60.0
UNATTENDED_MAX_WAIT = 300.0  # cron and CI can sit out one five-minute window, announced on stderr


@dataclass(frozen=True)
class HubOptions:
    token: str | None = None
    anonymous: bool = False
    retries: int = 4
    timeout: float = 15.0
    max_wait: float | None = None
    deadline: float | None = None
    budget: str | None = None

    def checked(self) -> HubOptions:
        """These options, with a bad --timeout, --max-wait, --deadline or --budget ending the run with one
        line now, before anything is read or sent."""
        _ = self.policy, self.caps
        return self

    @cached_property
    def policy(self) -> RetryPolicy:
        """--retries, --timeout, --max-wait and --deadline as one policy; a value that is not a finite
        number of seconds ends the run with one line."""
        from hubgate.hub.settings import RetryPolicy

        for name, value in (
            ("--timeout", self.timeout),
            ("--max-wait", self.max_wait),
            ("--deadline", self.deadline),
        ):
            if value is not None and not math.isfinite(value):
                fail_usage(f"{name} {value}: give a finite number of seconds")
        max_wait = self.max_wait
        if max_wait is None:
            max_wait = INTERACTIVE_MAX_WAIT if sys.stderr.isatty() else UNATTENDED_MAX_WAIT
        return RetryPolicy(
            retries=self.retries, timeout=self.timeout, max_server_wait=max_wait, deadline=self.deadline
        )

    @cached_property
    def caps(self) -> Budget | None:
        """--budget parsed (one budget for every session of the run), or None; a malformed one ends the run with one line."""
        if self.budget is None:
            return None
        from hubgate.hub.tally import Budget

        try:
            return Budget.parse(self.budget)
        except ValueError as exc:
            fail_usage(f"--budget {exc}", hint=getattr(exc, "hint", None) or None)

    def resolve_token(self) -> ResolvedToken:
        """--token and --anonymous, checked and resolved (the environment and the stored login follow). An
        empty --token, or one with a line break or space inside, ends the run before any request."""
        from hubgate.hub.token import TokenError, resolve_token
        from hubgate.inputs.bounded import UnreadableFile

        if self.token is not None and self.anonymous:
            fail_usage("--token and --anonymous contradict each other; pass one")
        if self.token is not None and not self.token.strip():
            fail_usage(
                "--token is empty",
                hint="pass the token, or leave --token out to use HF_TOKEN or the login of `hf auth login`",
            )
        try:
            return resolve_token(self.token, anonymous=self.anonymous)
        except UnreadableFile as exc:
            fail_unreadable(exc)
        except TokenError as exc:
            fail_usage(str(exc), hint="copy the token again: it is one line, hf_ and letters and digits")

    @staticmethod
    def endpoint() -> str:
        """HF_ENDPOINT, else the Hub's address; one line and exit 2 when it is not an http(s) URL."""
        from hubgate.check.session import default_endpoint

        check_endpoint_variable()
        return default_endpoint()

    def service(self, endpoint: str, token: ResolvedToken) -> HubService:
        """The run's Hub client; a bad --timeout, --max-wait, --deadline or --budget ends the run with one
        line before anything is sent."""
        from hubgate.hub.service import HubService

        policy, caps = self.policy, self.caps
        return HubService(endpoint, token.value, policy=policy, pacer=announcing_pacer(policy), budget=caps)

    def session(self, endpoint: str, token: ResolvedToken, *, identify: bool = True) -> Session:
        """A session of the run's Hub client with the token being identified (one whoami), as `check` needs it;
        each session has its own pacer, and all share the run's budget. Without `identify` (nothing to
        check), no request at all."""
        from hubgate.check.session import open_session

        policy, caps = self.policy, self.caps
        return open_session(
            token,
            endpoint=endpoint,
            policy=policy,
            pacer=announcing_pacer(policy),
            budget=caps,
            identify=identify,
        )


def public_reader(hub: HubOptions) -> Callable[[], HubService]:
    """A Hub client opened on first need, for public metadata only (no whoami); until then no token is
    resolved, so a run that never needs the Hub never depends on one. `fit` sizes models with it."""

    def open_hub() -> HubService:
        from hubgate.check.session import default_endpoint
        from hubgate.hub.service import HubService
        from hubgate.hub.settings import RetryPolicy

        policy = RetryPolicy()
        token = hub.resolve_token()
        return HubService(default_endpoint(), token.value, policy=policy, pacer=announcing_pacer(policy))

    return open_hub


def announcing_pacer(policy: RetryPolicy) -> RatePacer:
    """The pacer, with one stderr line for every wait worth telling (over about 2 s) and for what a run
    would otherwise wait on in silence (a Hub that stopped answering), in every format."""
    from hubgate.hub.pacing import RatePacer

    def on_wait(bucket: str, seconds: float, why: str) -> None:
        sys.stderr.write(f"hubgate: waiting {seconds:.0f} s (Hub {bucket} rate limit): {why}\n")
        sys.stderr.flush()

    def on_notice(text: str) -> None:
        sys.stderr.write(f"hubgate: {text}\n")
        sys.stderr.flush()

    return RatePacer(max_wait=policy.max_server_wait, on_wait=on_wait, on_notice=on_notice)


def metadata_cache(no_cache: bool) -> MetadataCache | None:
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


def quiet_library_logs() -> None:
    """huggingface_hub logs retries and warnings on its own; hubgate reports them itself."""
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()

"""One run's session with the Hub: the endpoint, the one Hub client and who the token is."""

from __future__ import annotations

import os
from dataclasses import dataclass

from hubgate.hub.pacing import RatePacer
from hubgate.hub.service import HubService
from hubgate.hub.settings import RetryPolicy
from hubgate.hub.tally import Budget
from hubgate.hub.token import ResolvedToken, TokenInfo, anonymous_info, token_info_from_whoami
from hubgate.verdicts.verdict import Context


def default_endpoint() -> str:
    """HF_ENDPOINT as it is now (huggingface_hub reads it once, at import)."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def identify_token(service: HubService, token: ResolvedToken) -> TokenInfo:
    """One whoami-v2 per run tells the account, the role and the gated-read permission."""
    if not token.present:
        return anonymous_info(token.source)
    answer = service.whoami()
    return token_info_from_whoami(token.source, answer.status, answer.body, answer.failure)


@dataclass
class Session:
    """One run's Hub service and what every verdict needs (endpoint, token info)."""

    service: HubService
    ctx: Context
    token: ResolvedToken


def open_session(
    token: ResolvedToken,
    *,
    endpoint: str | None = None,
    policy: RetryPolicy | None = None,
    pacer: RatePacer | None = None,
    caller: str = "cli",
    budget: Budget | None = None,
    identify: bool = True,
) -> Session:
    """Resolve the endpoint and identify the token (one whoami-v2, which also primes the pacer).
    `caller`: "api" words next steps for Python code instead of command-line options. Without
    `identify` (a run with nothing to check), the token is not asked about: no request at all."""
    service = HubService(
        endpoint or default_endpoint(), token.value, policy=policy, pacer=pacer, budget=budget
    )
    if identify:
        info = identify_token(service, token)
    else:
        info = TokenInfo(token.source, token.present, error="not asked: nothing to check")
    return Session(service, Context(endpoint=service.endpoint, token=info, caller=caller), token)

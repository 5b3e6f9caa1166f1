"""One run's session with the Hub: the endpoint, the one Hub client and who the token is."""

from __future__ import annotations

import os
from concurrent.futures import Future

from hubgate.hub.exchanges import EXCHANGES
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


class Session:
    """One run's Hub service and what every verdict needs (endpoint, token info). The token's whoami may
    still be on its way when the session opens: `ctx` waits for it."""

    def __init__(self, service: HubService, token: ResolvedToken, ctx: Context | Future[Context]) -> None:
        self.service = service
        self.token = token
        self._ctx = ctx

    def identified(self) -> Context:
        """The endpoint and who the token is, once whoami has answered (it raises what whoami raised)."""
        if isinstance(self._ctx, Future):
            self._ctx = self._ctx.result()
        return self._ctx

    @property
    def ctx(self) -> Context:
        return self.identified()


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
    `identify` (a run with nothing to check), the token is not asked about: no request at all.

    The whoami goes out at once and the session returns without its answer, so that a run of one repo
    sends that repo's first request beside it (one round trip less); whatever reads `ctx` waits for it.
    Under a `budget` cap it is answered first: the cap then falls on the same requests, run after run."""
    service = HubService(
        endpoint or default_endpoint(), token.value, policy=policy, pacer=pacer, budget=budget
    )

    def context(info: TokenInfo) -> Context:
        return Context(endpoint=service.endpoint, token=info, caller=caller)

    if not identify:
        return Session(
            service,
            token,
            context(TokenInfo(token.source, token.present, error="not asked: nothing to check")),
        )
    from hubgate.hub.transport import prepare_client

    prepare_client()  # here, so that the requests leave as soon as they are handed out
    if not token.present:
        return Session(service, token, context(anonymous_info(token.source)))
    pending: Future[Context] = Future()

    def ask() -> None:
        try:
            pending.set_result(context(identify_token(service, token)))
        except BaseException as exc:  # handed to whoever reads `ctx`, in their thread
            pending.set_exception(exc)

    EXCHANGES.submit(ask)
    session = Session(service, token, pending)
    if budget is not None:
        session.identified()
    return session

"""The Python API: `check_models` and `check_model_access` (re-exported as `hubgate.check_models` and
`hubgate.check_model_access`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from hubgate.check.extras import Extras, FitRequest
from hubgate.check.run import DEFAULT_JOBS, run_check
from hubgate.check.session import default_endpoint, open_session
from hubgate.hub.cache import MetadataCache
from hubgate.hub.settings import validate_endpoint
from hubgate.hub.token import resolve_token
from hubgate.inputs.refs import RepoType
from hubgate.verdicts.verdict import Verdict

if TYPE_CHECKING:
    from hubgate.registry.index import Registry
    from hubgate.registry.summary import RegistrySummary


def check_models(
    model_ids: Iterable[str],
    *,
    token: str | None = None,
    anonymous: bool = False,
    repo_type: RepoType = "model",
    endpoint: str | None = None,
    jobs: int = DEFAULT_JOBS,
    registry: Registry | RegistrySummary | bool = True,
    gpus: Sequence[str] = (),
    cache: bool = True,
) -> list[Verdict]:
    """Check several ids (any accepted form, registry aliases too); one Verdict per distinct input, in input
    order. `registry`: True for the default registry (bundled + HUBGATE_REGISTRY), a loaded Registry or its
    summary, or False for none. `gpus`: catalogue names to judge each model on (`Verdict.fit`). `cache`:
    keep and use commit-bound metadata between runs (HUBGATE_CACHE_DIR, else the user cache dir)."""
    from hubgate.inputs.sources import Entry, parse_entries

    loaded = _api_registry(registry)
    aliases = None
    if loaded is not None and repo_type == "model":
        from hubgate.registry.check_extras import input_aliases

        aliases = input_aliases(loaded)
    fit = None
    if gpus:
        from hubgate.fit import gpu_specs

        fit = FitRequest(gpus=tuple(gpu_specs(list(gpus))))
    endpoint = validate_endpoint(endpoint or default_endpoint(), "endpoint" if endpoint else "HF_ENDPOINT")
    refs = parse_entries(
        [Entry(i, None) for i in model_ids], default_type=repo_type, endpoint=endpoint, aliases=aliases
    )
    resolved = resolve_token(token, anonymous=anonymous)
    extras = Extras(registry=loaded, fit=fit)
    store = MetadataCache() if cache else None
    try:
        session = open_session(resolved, endpoint=endpoint, caller="api")
        report = run_check(session, refs, jobs=jobs, extras=extras, cache=store)
    finally:
        if store is not None:
            store.close()
    return report.verdicts


def _api_registry(registry: Registry | RegistrySummary | bool) -> RegistrySummary | None:
    """True: the default registry's entries that validate (its problems are the registry's own business,
    not the check's)."""
    from hubgate.registry.summary import RegistrySummary, load_summary, summarize

    if registry is False:
        return None
    if registry is True:
        return load_summary()
    return registry if isinstance(registry, RegistrySummary) else summarize(registry)


def check_model_access(
    model_id: str,
    *,
    token: str | None = None,
    anonymous: bool = False,
    repo_type: RepoType = "model",
    endpoint: str | None = None,
) -> Verdict:
    """Check one id. `info.is_gated and not info.has_access` tells a blocked gated model."""
    return check_models([model_id], token=token, anonymous=anonymous, repo_type=repo_type, endpoint=endpoint)[
        0
    ]

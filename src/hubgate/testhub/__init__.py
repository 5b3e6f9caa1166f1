"""A loopback Hugging Face Hub on 127.0.0.1, for the tests, the benchmarks and `python -m hubgate.testhub`.

It answers the way the real Hub does (gates, tokens, listings, rate limits, access requests) and imports
nothing from hubgate: nothing in hubgate imports it either, so it stays off the CLI's import path.
"""

from hubgate.testhub.server import (
    ORG_APPROVAL_MESSAGES,
    ORG_FINE_GRAINED_MESSAGES,
    AccessRequest,
    Chaos,
    Collection,
    Fault,
    HubSim,
    OrgPolicy,
    Repo,
    Token,
    User,
)

__all__ = [
    "ORG_APPROVAL_MESSAGES",
    "ORG_FINE_GRAINED_MESSAGES",
    "AccessRequest",
    "Chaos",
    "Collection",
    "Fault",
    "HubSim",
    "OrgPolicy",
    "Repo",
    "Token",
    "User",
]

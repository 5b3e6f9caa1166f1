"""A loopback Hugging Face Hub for tests and benchmarks: speaks ../shared/hub-contract.md on 127.0.0.1."""

from tests.hubsim.server import (
    ORG_APPROVAL_MESSAGES,
    ORG_FINE_GRAINED_MESSAGES,
    AccessRequest,
    Chaos,
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
    "Fault",
    "HubSim",
    "OrgPolicy",
    "Repo",
    "Token",
    "User",
]

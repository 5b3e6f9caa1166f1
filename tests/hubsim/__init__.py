"""A loopback Hugging Face Hub for tests and benchmarks: speaks ../shared/hub-contract.md on 127.0.0.1."""

from tests.hubsim.server import AccessRequest, Fault, HubSim, Repo, Token, User

__all__ = ["AccessRequest", "Fault", "HubSim", "Repo", "Token", "User"]

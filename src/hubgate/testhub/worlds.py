"""The worlds the test Hub serves: the contract's cases (tokens, gated repos in every state, pre-flight
traps) for the tests, the benchmarks and `python -m hubgate.testhub --demo`.

The token values are fakes shaped like real ones, so that a leak would be caught by pattern as well as by
value; only this loopback Hub accepts them.
"""

from __future__ import annotations

from hubgate.testhub.server import Collection, HubSim, Repo, Token

ALICE = "hf_" + "A1ice" * 6 + "read"  # classic read token, member of org acme
BOB = "hf_" + "B0bFine" * 5  # fine-grained, without "read access to public gated repos"
CAROL = "hf_" + "Car0lRevoked" * 3  # revoked
DAVE = "hf_" + "DaveWrite" * 4  # write token, member of meta-llama (a repo owner)
ERIN = "hf_" + "ErinFineOk" * 4  # fine-grained with the gated permission
ALL_TOKENS = (ALICE, BOB, CAROL, DAVE, ERIN)
# What each token is, for `python -m hubgate.testhub` to show.
TOKEN_NOTES = {
    ALICE: "alice: classic read token, member of acme (granted, pending, rejected and reset requests)",
    BOB: "bob: fine-grained, without read access to public gated repos",
    CAROL: "carol: revoked",
    DAVE: "dave: write token, member of meta-llama (owns its gated repos: `hubgate requests`)",
    ERIN: "erin: fine-grained with read access to public gated repos",
}

LLAMA2 = "meta-llama/Llama-2-7b-hf"
LLAMA32 = "meta-llama/Llama-3.2-1B-Instruct"
MISTRAL = "mistralai/Mistral-7B-v0.1"
GEMMA = "google/gemma-2b"
DINO = "facebook/dinov3-vitb16-pretrain-lvd1689m"
BERT = "google-bert/bert-base-uncased"
GPT2 = "openai-community/gpt2"
PHI3 = "microsoft/Phi-3-mini-4k-instruct"
PRIVATE = "acme/private-model"
DISABLED = "shady/disabled-model"
README_ONLY = "meta-llama/readme-only-gated"
GATED_DATA = "acme-research/gated-data"
OPEN_DATA = "acme-research/open-data"
# Pre-flight cases (verdicts/findings.py): remote code, pickle-only, mixed formats, licences, revisions.
REMOTE_CODE = "lab/remote-coder"
PICKLE_ONLY = "lab/pickle-only"
MIXED = "lab/mixed-formats"
NO_LICENCE = "lab/no-licence"
OTHER_LICENCE = "lab/other-licence"
PINNED = "lab/pinned"
PINNED_V1 = "1" * 40
PREFLIGHT_REPOS = (REMOTE_CODE, PICKLE_ONLY, MIXED, NO_LICENCE, OTHER_LICENCE)

LLAMA2_CONFIG = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "num_hidden_layers": 32,
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 4096,
}


def populate(hub: HubSim) -> HubSim:
    """The contract's cases in one world."""
    hub.add_repo(Repo(GPT2, legacy_ids=("gpt2",), card_data={"license": "mit"}))
    hub.add_repo(Repo(BERT, legacy_ids=("bert-base-uncased",), card_data={"license": "apache-2.0"}))
    hub.add_repo(Repo(PHI3, card_data={"license": "mit"}))
    hub.add_repo(
        Repo(
            LLAMA2,
            gated="manual",
            card_data={"license": "llama2", "extra_gated_prompt": "Meta license"},
            safetensors={"total": 6_738_415_616, "parameters": {"F16": 6_738_415_616}},
            config=LLAMA2_CONFIG,
        )
    )
    hub.add_repo(Repo(LLAMA32, gated="manual", card_data={"license": "llama3.2"}))
    hub.add_repo(Repo(MISTRAL, gated="auto", card_data={"license": "apache-2.0"}))
    hub.add_repo(Repo(GEMMA, gated="auto", card_data={"license": "gemma"}))
    hub.add_repo(Repo(DINO, gated="manual"))
    hub.add_repo(Repo(PRIVATE, private=True))
    hub.add_repo(Repo(DISABLED, disabled=True))
    hub.add_repo(Repo(README_ONLY, gated="manual", files={"README.md": 100, ".gitattributes": 10}))
    hub.add_repo(
        Repo(GATED_DATA, repo_type="dataset", gated="auto", files={"README.md": 10, "data/train.csv": 99})
    )
    hub.add_repo(Repo(OPEN_DATA, repo_type="dataset", files={"README.md": 10, "data/train.csv": 99}))
    populate_preflight(hub)

    hub.add_token(Token(ALICE, "alice", role="read", name="laptop", orgs=("acme",)))
    hub.add_token(Token(BOB, "bob", role="fineGrained", can_read_gated=False, name="ci-fine"))
    hub.add_token(Token(CAROL, "carol", role="read", valid=False, name="old"))
    hub.add_token(Token(DAVE, "dave", role="write", name="owner", orgs=("meta-llama",)))
    hub.add_token(Token(ERIN, "erin", role="fineGrained", can_read_gated=True, name="fine-ok"))

    hub.set_access("alice", LLAMA2, "accepted")
    hub.set_access("alice", LLAMA32, "pending")
    hub.set_access("alice", MISTRAL, "rejected")
    hub.set_access("alice", DINO, "reset")
    hub.set_access("alice", README_ONLY, "accepted")
    hub.set_access("alice", GATED_DATA, "accepted", repo_type="dataset")
    hub.set_access("bob", LLAMA2, "accepted")
    hub.set_access("erin", LLAMA2, "accepted")
    return hub


def populate_preflight(hub: HubSim) -> None:
    hub.add_repo(
        Repo(
            REMOTE_CODE,
            card_data={"license": "apache-2.0"},
            config={
                "model_type": "coder",
                "auto_map": {
                    "AutoConfig": "configuration_coder.CoderConfig",
                    "AutoModelForCausalLM": "modeling_coder.CoderForCausalLM",
                },
            },
            tags=["custom_code"],
            files={
                "README.md": 100,
                "config.json": 700,
                "configuration_coder.py": 3_000,
                "modeling_coder.py": 40_000,
                "model.safetensors": 2_000_000_000,
            },
            safetensors={"total": 1_000_000_000, "parameters": {"BF16": 1_000_000_000}},
        )
    )
    hub.add_repo(
        Repo(
            PICKLE_ONLY,
            card_data={"license": "mit"},
            files={"README.md": 100, "config.json": 600, "pytorch_model.bin": 500_000_000},
        )
    )
    hub.add_repo(
        Repo(
            MIXED,
            card_data={"license": "apache-2.0"},
            files={
                "config.json": 600,
                "model.safetensors": 3_000_000_000,
                "pytorch_model.bin": 3_000_000_000,
                "tf_model.h5": 3_000_000_000,
            },
            safetensors={"total": 750_000_000, "parameters": {"F32": 750_000_000}},
        )
    )
    hub.add_repo(Repo(NO_LICENCE))
    hub.add_repo(
        Repo(
            OTHER_LICENCE,
            card_data={
                "license": "other",
                "license_name": "acme-research-licence",
                "license_link": "LICENSE.md",
            },
        )
    )
    hub.add_repo(
        Repo(PINNED, card_data={"license": "apache-2.0"}, revisions={"v1.0": PINNED_V1, "dev": "2" * 40})
    )


# Open models the registry offers as alternatives, as the real Hub has them (the README's quick start).
ALTERNATIVES = {
    "EleutherAI/pythia-2.8b": "apache-2.0",
    "microsoft/phi-2": "mit",
    "bigscience/bloom-1b7": "bigscience-bloom-rail-1.0",
    "Qwen/Qwen3-1.7B": "apache-2.0",
    "Qwen/Qwen3-0.6B": "apache-2.0",
}


def add_alternatives(hub: HubSim) -> HubSim:
    """The `alternatives` world: the contract's cases plus the open models suggested for blocked ones."""
    for repo_id, licence in ALTERNATIVES.items():
        hub.add_repo(Repo(repo_id, card_data={"license": licence}))
    return hub


# Collections (docs/hub.md, "Collections and gating groups"): a release of models, a dataset, a demo space and
# its paper, as the DINOv3 release is; a private one; and a gating group of an organisation on a Team plan.
DINOV3 = "facebook/dinov3-68924841bd6b561778e31009"
DINOV3_LARGE = "facebook/dinov3-vitl16-pretrain-lvd1689m"
DINOV3_SMALL = "facebook/dinov3-vits16-pretrain-lvd1689m"
DINOV3_DATA = "facebook/dinov3-eval-sat"
DINOV3_SPACE = "facebook/dinov3-demo"
DINOV3_PAPER = "2508.10104"
PRIVATE_COLLECTION = "acme/internal-picks-6900aa11bb22cc33dd44ee55"
MISSING_COLLECTION = "nobody/no-such-collection-0123456789abcdef01234567"
GROUP = "aurora-labs/aurora-release-68aa00bb11cc22dd33ee44ff"
GROUP_REPOS = ("aurora-labs/aurora-7b", "aurora-labs/aurora-70b")
GROUP_DATA = "aurora-labs/aurora-eval"
OTHER_AURORA = "aurora-labs/aurora-tools"  # same organisation, gated on its own: not in the group


def populate_collections(hub: HubSim, *, gating_shape: str = "collection-gating") -> HubSim:
    """The collections world (on top of `populate`): DINOV3 (three models, one already in the standard world,
    a dataset, a space and a paper), PRIVATE_COLLECTION (acme's, private), and GROUP, a gating group shown
    as `gating_shape` says (server.HubSim.gating_shape)."""
    hub.gating_shape = gating_shape
    hub.add_repo(Repo(DINOV3_LARGE, gated="manual", card_data={"license": "other"}))
    hub.add_repo(Repo(DINOV3_SMALL, card_data={"license": "other"}))
    hub.add_repo(
        Repo(DINOV3_DATA, repo_type="dataset", gated="auto", files={"README.md": 10, "data/a.parquet": 99})
    )
    namespace, slug = DINOV3.split("/")
    hub.add_collection(
        Collection(
            namespace,
            slug,
            "DINOv3",
            [
                ("model", DINO),
                ("model", DINOV3_LARGE),
                ("model", DINOV3_SMALL),
                ("dataset", DINOV3_DATA),
                ("space", DINOV3_SPACE),
                ("paper", DINOV3_PAPER),
            ],
        )
    )
    namespace, slug = PRIVATE_COLLECTION.split("/")
    hub.add_collection(Collection(namespace, slug, "Internal picks", [("model", GPT2)], private=True))
    for repo_id in (*GROUP_REPOS, OTHER_AURORA):
        hub.add_repo(Repo(repo_id, gated="manual", card_data={"license": "other"}))
    hub.add_repo(Repo(GROUP_DATA, repo_type="dataset", gated="manual", files={"README.md": 10}))
    namespace, slug = GROUP.split("/")
    hub.add_collection(
        Collection(
            namespace,
            slug,
            "Aurora release",
            [
                *(("model", repo_id) for repo_id in GROUP_REPOS),
                ("dataset", GROUP_DATA),
                ("paper", "2601.00001"),
            ],
            gating=True,
        )
    )
    return hub

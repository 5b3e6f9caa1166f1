"""Two or three examples at the end of every command's help, in one place (a test runs through them)."""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "scan": (
        "hubgate scan                        # repos the code here uses",
        "hubgate scan src notebooks --format json",
        "hubgate scan . --exclude 'tests/**'      # leave the tests out",
    ),
    "pin": (
        "hubgate pin                          # the diff that pins every load here",
        "hubgate pin src --write              # pin them in place",
        "hubgate pin train.py > pins.patch && git apply pins.patch",
    ),
    "check": (
        "hubgate check gpt2 meta-llama/Llama-2-7b-hf",
        "hubgate check -f models_to_check.txt --format github --fail-on error",
        "hubgate check --author meta-llama --json | jq '.models[].status'",
    ),
    "request": (
        "hubgate request -f models.txt --dry-run        # the forms, nothing sent",
        "hubgate request -f models.txt --answers me.yaml --accept-terms",
        "hubgate request --scan src --field 'Country=France' --format json",
    ),
    "watch": (
        "hubgate watch -f models_to_check.txt            # from cron",
        "hubgate watch -f models.txt --notify-url https://hooks.slack.com/...",
        "hubgate watch --history meta-llama/Llama-2-7b-hf",
    ),
    "fit": (
        "hubgate fit meta-llama/Llama-2-7b-hf -g t4 -g l4",
        "hubgate fit mistral_7b -g rtx-4090 --max-context",
        "hubgate fit -g t4 --all                 # registry models that fit a T4",
    ),
    "policy show": (
        "hubgate policy show",
        "hubgate policy show --fail-on action,remote-code",
    ),
    "registry list": (
        "hubgate registry list --gated no --max-params 8B",
        "hubgate registry list --provider openai --format json",
    ),
    "registry show": ("hubgate registry show mistral_7b", "hubgate registry show gpt2 --format json"),
    "registry search": ("hubgate registry search llama", "hubgate registry search qwen --format json"),
    "registry export": (
        "hubgate registry export > registry.json",
        "hubgate registry export --format yaml --include-empty",
    ),
    "registry validate": ("hubgate registry validate", "hubgate registry validate --registry ./my-models"),
    "registry verify": ("hubgate registry verify", "hubgate registry verify mistral_7b --format json"),
    "requests list": (
        "hubgate requests list my-org/my-model",
        "hubgate requests list my-org/my-model --status accepted --format csv",
    ),
    "requests accept": (
        "hubgate requests accept my-org/my-model alice bob",
        "hubgate requests accept my-org/my-model -f approved.txt --dry-run",
    ),
    "requests reject": (
        "hubgate requests reject my-org/my-model mallory --reason 'no affiliation given'",
        "hubgate requests reject my-org/my-model -f rejected.txt -y",
    ),
    "requests cancel": (
        "hubgate requests cancel my-org/my-model alice",
        "hubgate requests cancel my-org/my-model -f revoke.txt --dry-run",
    ),
    "requests grant": (
        "hubgate requests grant my-org/my-model alice",
        "hubgate requests grant my-org/my-model -f team.txt -y",
    ),
    "requests auto": (
        "hubgate requests auto my-org/my-model --rules rules.yaml            # what would be accepted",
        "hubgate requests auto my-org/my-model --rules rules.yaml --apply",
    ),
}


def epilog(path: str) -> str | None:
    """The examples of a command (`"registry show"`) as a help epilog click prints as written."""
    examples = EXAMPLES.get(path)
    if not examples:
        return None
    # "\b" keeps click from re-wrapping the paragraph that follows it.
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in examples)

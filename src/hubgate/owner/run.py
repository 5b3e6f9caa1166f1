"""The owner commands' steps between the options and the renderers: whom to act on (arguments and bulk
files, checked before anything is sent), the rules file, and `auto`'s decide-then-accept."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from hubgate.inputs.bounded import (
    MAX_CONFIG_BYTES,
    UnreadableFile,
    decode_text,
    read_capped,
    read_stdin_capped,
)
from hubgate.owner.client import ActionResult, OwnerClient, Target
from hubgate.owner.plan import (
    AcceptRules,
    Decision,
    PlanError,
    check_reason,
    decide,
    parse_rules,
    parse_target,
    parse_targets_text,
    unique,
)


def _read_named(option: str, name: str, limit: int, what: str) -> str:
    """A file an option names, within `limit`; UnreadableFile names the option before the file."""
    try:
        return decode_text(read_capped(name, limit, what=what), f"{option} {name}", what=what)
    except UnreadableFile as exc:
        where = exc.where if exc.where.startswith(option) else f"{option} {exc.where}"
        raise UnreadableFile(where, exc.problem, exc.hint) from None


# A bulk file names users, one per line: even a large organisation's list is far below this.
MAX_USERS_BYTES = 16 * 2**20


def prepare_action(
    action: str,
    users: list[str] | None,
    files: list[str] | None,
    reason: str | None,
    *,
    confirm: bool,
    stdin: TextIO,
) -> tuple[list[Target], str | None]:
    """The targets and the reason to send; PlanError (one line) for anything a user can get wrong, so
    that nothing is sent when one of them is. `confirm`: a bulk run that will ask before sending, which
    needs a terminal on stdin. A file that cannot be read within its bounds is UnreadableFile."""
    reason = check_reason(reason)
    targets = [parse_target(user) for user in users or []]
    what = "list of users"
    for name in files or []:
        if name == "-":
            text = decode_text(read_stdin_capped(MAX_USERS_BYTES, what=what, name="-f -"), "-f -", what=what)
        else:
            text = _read_named("-f", name, MAX_USERS_BYTES, what)
        targets += parse_targets_text(text, "<stdin>" if name == "-" else name)
    targets = unique(targets)
    if not targets:
        raise PlanError(f"name the users to {action} (USER... or -f FILE)")
    if action == "grant":
        ids = [t.label for t in targets if t.user is None]
        if ids:
            raise PlanError(f"grant needs user names; {ids[0]} is a request id (use accept for requests)")
    if confirm and "-" in (files or []):
        raise PlanError("-f - reads users from stdin, which leaves no way to confirm: add --yes")
    if confirm and not stdin.isatty():
        raise PlanError(
            "a -f bulk run asks for confirmation, but stdin is not a terminal: add --yes (or --dry-run)"
        )
    return targets, reason


def read_rules(path: Path) -> AcceptRules:
    """The rules file; UnreadableFile or AcceptRulesError (one line naming the file)."""
    text = _read_named("--rules", str(path), MAX_CONFIG_BYTES, "rules file")
    return parse_rules(text, str(path))


@dataclass
class AutoRun:
    decisions: list[Decision]
    results: list[ActionResult] = field(default_factory=list)

    @property
    def chosen(self) -> list[Decision]:
        return [d for d in self.decisions if d.accept]


def auto_accept(client: OwnerClient, rules: AcceptRules, *, apply: bool) -> AutoRun:
    """Decide on every pending request; with `apply`, accept the chosen ones. Raises OwnerError when the
    listing fails."""
    run = AutoRun(decide(rules, client.list_requests("pending")))
    if apply and run.chosen:
        run.results = client.act_all("accept", [d.request.target for d in run.chosen])
    return run

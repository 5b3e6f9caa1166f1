"""Pure decisions for the owner commands: USER arguments, bulk files, rejection reasons, rules files.

Nothing here talks to the Hub; reading a file's text is left to the caller, so every rule is testable
on strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from hubgate.inputs.secrets import looks_like_token
from hubgate.owner.client import REQUEST_ID_PREFIX, AccessRequestInfo, Target

MAX_REASON = 200  # the Hub's limit on a rejection reason, in characters
_USER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
DEFAULT_ORG_FIELDS = ("affiliation", "organization", "organisation", "company", "institution")


class PlanError(ValueError):
    """A usage problem, one line (the caller exits 2)."""


# -- USER arguments and files ------------------------------------------------------------------------


def parse_target(text: str, origin: str | None = None) -> Target:
    """`alice` is a user; `id:6650...` is a request id (for repos that hide requesters' names)."""
    where = f"{origin}: " if origin else ""
    value = text.strip()
    if value.startswith(REQUEST_ID_PREFIX):
        request_id = value[len(REQUEST_ID_PREFIX) :].strip()
        if not _REQUEST_ID_RE.match(request_id):
            raise PlanError(f"{where}{value!r} is not a request id (id: then letters and digits)")
        return Target(request_id=request_id)
    if not value:
        raise PlanError(f"{where}empty user name")
    if looks_like_token(value):
        # Never echoed, never sent to the Hub as a user name.
        raise PlanError(f"{where}this looks like an access token, not a user name")
    if any(ch.isspace() for ch in value):
        raise PlanError(f"{where}{value!r}: one user name per line, without spaces")
    if not _USER_RE.match(value):
        raise PlanError(f"{where}{value!r} is not a Hugging Face user name (or id:REQUEST_ID)")
    return Target(user=value)


def parse_targets_text(text: str, origin: str) -> list[Target]:
    """A bulk file: one user (or id:REQUEST_ID) per line; blank lines and `#` comments are ignored."""
    targets = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if entry:
            targets.append(parse_target(entry, f"{origin}:{number}"))
    return targets


def unique(targets: Iterable[Target]) -> list[Target]:
    seen: set[Target] = set()
    out = []
    for target in targets:
        if target not in seen:
            seen.add(target)
            out.append(target)
    return out


def check_reason(reason: str | None) -> str | None:
    """The reason to send (None for none); PlanError past the Hub's 200 characters."""
    if reason is None:
        return None
    reason = reason.strip()
    if not reason:
        return None
    if len(reason) > MAX_REASON:
        raise PlanError(
            f"--reason is {len(reason)} characters; the Hub takes at most {MAX_REASON} (nothing was sent)"
        )
    return reason


def describe_plan(action: str, targets: Sequence[Target], repo_label: str, reason: str | None) -> list[str]:
    """What a bulk run will do, before it asks."""
    verb = {"accept": "accept", "reject": "reject", "cancel": "cancel (back to pending)", "grant": "grant"}
    noun = "request" if action != "grant" else "user"
    lines = [
        f"Will {verb.get(action, action)} {len(targets)} {noun}{'s' if len(targets) != 1 else ''} on {repo_label}:"
    ]
    lines += [f"  {target.label}" for target in targets]
    if reason:
        lines.append(f"Reason shown to them: {reason}")
    return lines


# -- rules files ---------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class AcceptRules(BaseModel):
    """`hubgate requests auto --rules FILE`: which pending requests to accept. Everything else stays pending."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    email_domains: tuple[str, ...] = ()
    organisations: tuple[str, ...] = Field(
        default=(), validation_alias=AliasChoices("organisations", "organizations")
    )
    organisation_fields: tuple[str, ...] = Field(
        default=DEFAULT_ORG_FIELDS,
        validation_alias=AliasChoices("organisation_fields", "organization_fields"),
    )

    @field_validator("email_domains")
    @classmethod
    def _domains(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for raw in values:
            domain = raw.strip().lower().removeprefix("@")
            if "*" in domain:
                raise ValueError(f"{raw!r}: no wildcards; 'example.com' already matches its subdomains")
            if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
                raise ValueError(f"{raw!r} is not an email domain like example.com")
            out.append(domain)
        return tuple(out)

    @field_validator("organisations", "organisation_fields")
    @classmethod
    def _names(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not value.strip() for value in values):
            raise ValueError("empty name")
        return tuple(value.strip() for value in values)


class AcceptRulesError(ValueError):
    """A rules file problem, one line naming the file; `hint` (may be empty) says what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def parse_rules(text: str, origin: str) -> AcceptRules:
    from hubgate.inputs.bounded import UnreadableFile, load_yaml

    try:
        data = load_yaml(text, origin)  # aliases and nesting measured before anything is built
    except UnreadableFile as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise AcceptRulesError(f"{origin}: {exc.problem}{where}", exc.hint) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise AcceptRulesError(
            f"{origin}: expected a mapping of keys (email_domains, organisations), not a list or text"
        )
    try:
        rules = AcceptRules.model_validate(data)
    except ValidationError as exc:
        raise AcceptRulesError(
            f"{origin}: " + "; ".join(_pydantic_problem(e) for e in exc.errors())
        ) from None
    if not rules.email_domains and not rules.organisations:
        raise AcceptRulesError(f"{origin}: the rules allow nobody: list email_domains or organisations")
    return rules


def _pydantic_problem(error: Any) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    if error.get("type") == "extra_forbidden":
        known = "email_domains, organisations, organisation_fields"
        return f"unknown key {loc!r} (known: {known})"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


@dataclass(frozen=True)
class Decision:
    request: AccessRequestInfo
    accept: bool
    why: str


def _domain_matches(email: str | None, domains: Sequence[str]) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    for allowed in domains:
        if domain == allowed or domain.endswith("." + allowed):  # never evilacme.com for acme.com
            return allowed
    return None


def _org_matches(fields: dict[str, Any], rules: AcceptRules) -> tuple[str, str] | None:
    allowed = {_norm(name) for name in rules.organisations}
    wanted = {_norm(name) for name in rules.organisation_fields}
    for key, value in fields.items():
        if _norm(str(key)) in wanted and isinstance(value, str) and _norm(value) in allowed:
            return str(key), value.strip()
    return None


def decide(rules: AcceptRules, requests: Iterable[AccessRequestInfo]) -> list[Decision]:
    """Pending requests only. Accept on an allowed email domain (the account's email, as the Hub gives
    it) or an allowed organisation (a gate-form answer, compared whole, case and spacing ignored).
    Nothing else is touched: there is no automatic rejection."""
    decisions = []
    for request in requests:
        if request.status != "pending":
            continue
        domain = _domain_matches(request.email, rules.email_domains)
        if domain is not None:
            decisions.append(Decision(request, True, f"email domain {domain}"))
            continue
        org = _org_matches(request.fields, rules)
        if org is not None:
            decisions.append(Decision(request, True, f"{org[0]}: {org[1]}"))
            continue
        why = "no rule matched"
        if not request.email and not rules.organisations:
            why = "no email given and no organisations in the rules"
        decisions.append(Decision(request, False, why))
    return decisions

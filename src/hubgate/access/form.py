"""Pure: the gate form of a card (`extra_gated_*` in cardData), filled from the user's answers.

Every checkbox of a gate form is an agreement (terms, licence, use policy): it is ticked only with
the user's consent (`--accept-terms` or their yes on a terminal), never from an answers file alone. A
prompt is one too ("By requesting access you agree to the licence"): a form that shows one is sent
only with the same consent, checkboxes or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

KINDS = ("text", "checkbox", "select", "date_picker", "country")
FILLED_BY_THE_HUB = frozenset({"ip_location"})  # the Hub records it itself: never asked, never sent
# Stands in `Filled.missing` for the terms of a prompt on a form without checkboxes (the card's key).
PROMPT_TERMS = "extra_gated_prompt"


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str  # one of KINDS ("text" for a type the Hub may add later)
    options: tuple[str, ...] = ()
    optional: bool = False

    @property
    def terms(self) -> bool:
        return self.kind == "checkbox"

    def describe(self) -> str:
        extra = f" ({' | '.join(self.options)})" if self.options else ""
        return f"{self.name} [{self.kind}]{extra}"


@dataclass(frozen=True)
class GateForm:
    prompt: str | None
    fields: tuple[FormField, ...]
    button: str | None

    @property
    def has_terms(self) -> bool:
        """Sending this form agrees to something: it shows a prompt or a checkbox."""
        return bool(self.prompt and self.prompt.strip()) or any(f.terms for f in self.fields)


def _options(raw: Any) -> tuple[str, ...]:
    out = []
    for item in raw or ():
        if isinstance(item, dict):
            item = item.get("value", item.get("label"))
        if item is not None:
            out.append(str(item))
    return tuple(out)


def form_of(card: dict[str, Any]) -> GateForm:
    """The card's gate form; field specs are a type name or a mapping with `type` and `options`."""
    raw = card.get("extra_gated_fields") or {}
    fields: list[FormField] = []
    if isinstance(raw, dict):
        for name, spec in raw.items():
            if isinstance(spec, dict):
                kind = str(spec.get("type", "text"))
                fields.append(
                    FormField(str(name), kind, _options(spec.get("options")), bool(spec.get("optional")))
                )
            else:
                fields.append(FormField(str(name), str(spec or "text")))
    fields = [f for f in fields if f.kind not in FILLED_BY_THE_HUB]
    prompt, button = card.get("extra_gated_prompt"), card.get("extra_gated_button_content")
    return GateForm(
        prompt if isinstance(prompt, str) else None,
        tuple(fields),
        button if isinstance(button, str) else None,
    )


def check_value(field: FormField, value: Any) -> str | None:
    """Why `value` does not fit `field`, or None."""
    if field.kind == "select" and field.options and str(value) not in field.options:
        return f"{field.name}: {value!r} is not one of {', '.join(field.options)}"
    if field.kind == "date_picker":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return f"{field.name}: {value!r} is not a date (YYYY-MM-DD)"
    return None


@dataclass(frozen=True)
class Filled:
    values: dict[str, Any]
    missing: tuple[str, ...]  # required fields with no (valid) answer, or terms not accepted
    problems: tuple[str, ...]


def fill(form: GateForm, field_values: dict[str, Any], *, accept_terms: bool) -> Filled:
    """The body to send: each field's value from `field_values` (the user's answers to the form); checkboxes
    ticked only when `accept_terms`. Without it, a form that shows a prompt and no required checkbox is
    missing its agreement too (as PROMPT_TERMS): nothing in the body carries it, so only the consent can."""
    values: dict[str, Any] = {}
    missing: list[str] = []
    problems: list[str] = []
    for field in form.fields:
        if field.terms:
            if accept_terms:
                values[field.name] = True
            elif not field.optional:
                missing.append(field.name)
            continue
        value = field_values.get(field.name)
        if value is None or str(value).strip() == "":
            if not field.optional:
                missing.append(field.name)
            continue
        problem = check_value(field, value)
        if problem:
            problems.append(problem)
            missing.append(field.name)
            continue
        values[field.name] = value.isoformat() if isinstance(value, dt.date) else value
    if not accept_terms and form.has_terms and not any(is_terms(form, name) for name in missing):
        missing.append(PROMPT_TERMS)  # a prompt, or only optional checkboxes: the agreement is still unmet
    return Filled(values, tuple(missing), tuple(problems))


def is_terms(form: GateForm, name: str) -> bool:
    """A `missing` name that is an agreement (a checkbox, or the prompt), not an answer to give."""
    return name == PROMPT_TERMS or any(f.name == name and f.terms for f in form.fields)


def distinct_fields(forms: list[GateForm]) -> list[FormField]:
    """Each non-checkbox field once across the batch (by name), in first-seen order."""
    seen: dict[str, FormField] = {}
    for form in forms:
        for field in form.fields:
            if not field.terms and field.name not in seen:
                seen[field.name] = field
    return list(seen.values())

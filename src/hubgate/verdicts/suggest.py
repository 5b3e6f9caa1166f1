""" "Did you mean" for ids the Hub does not know: candidates ranked by similarity. Ranking is pure."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

MIN_SCORE = 0.6
MAX_SUGGESTIONS = 3


def score(query: str, candidate: str) -> float:
    """Similarity of two ids, case-insensitive; the name part weighs more than the namespace."""
    q, c = query.lower(), candidate.lower()
    whole = SequenceMatcher(None, q, c).ratio()
    q_name, c_name = q.rpartition("/")[2], c.rpartition("/")[2]
    name = SequenceMatcher(None, q_name, c_name).ratio()
    same_namespace = "/" in q and q.partition("/")[0] == c.partition("/")[0]
    return 0.4 * whole + 0.6 * name + (0.05 if same_namespace else 0.0)


def rank(query: str, candidates: Iterable[str], *, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The closest candidates, best first; the same id in another case (the Hub's ids are
    case-sensitive) is the best of all."""
    scored = {c: score(query, c) for c in candidates if c and c != query}
    best = sorted((c for c, s in scored.items() if s >= MIN_SCORE), key=lambda c: (-scored[c], c))
    return case_first(query, best)[:limit]


def case_first(query: str, ids: list[str]) -> list[str]:
    """`ids` with those equal to `query` but for case moved to the front, order otherwise kept."""
    return sorted(ids, key=lambda c: c.lower() != query.lower())


def search_terms(repo_id: str) -> list[str]:
    """What to ask the Hub's search for: the name, then the name without its last `-part`
    (blog posts add suffixes such as -Instruct that the real repo does not have)."""
    name = repo_id.rpartition("/")[2]
    terms = [name]
    if "-" in name:
        terms.append(name.rsplit("-", 1)[0])
    return terms

"""A team's own matcher: label "Securities and Exchange Commission" once, get every "SEC" (and back)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spansuggest.matchers.base import BaseMatcher, Option, overlap_option, resolve_seeds, select
from spansuggest.matchers.exact import LITERAL, ExactMatcher
from spansuggest.types import Selection, Suggestion

STOPWORDS = frozenset({"and", "of", "the", "for", "&"})
"""Words an acronym skips: "Securities and Exchange Commission" -> "SEC"."""


def acronym(phrase: str) -> str | None:
    """The initials of a phrase of two or more words, stop words skipped; ``None`` for a single word."""
    words = [w for w in phrase.split() if w.casefold() not in STOPWORDS and w[0].isalpha()]
    return "".join(w[0].upper() for w in words) if len(words) >= 2 else None


class AcronymMatcher(BaseMatcher):
    """Acronyms of multi-word seeds ("European Central Bank" -> "ECB"), found as whole words."""

    name = "acronym"
    OPTIONS = (
        Option("score", float, 0.8, "score of an acronym hit (an exact hit scores 1.0)", min=0.0, max=1.0),
        overlap_option("leftmost-longest"),
    )

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self._exact = ExactMatcher(**LITERAL, overlaps="allow")

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        """Every whole-word, case-exact occurrence of a seed's acronym, by spansuggest's exact matcher."""
        seeds = resolve_seeds(text, selections)
        patterns = [Selection.pattern(a, seed.label) for seed in seeds if (a := acronym(seed.surface))]
        found = self._exact.match(text, patterns, exclude=exclude) if patterns else []
        hits = (s._replace(score=self.options["score"], matcher=self.name, reason="acronym") for s in found)
        return select(hits, seeds=seeds, exclude=exclude, overlaps=self.options["overlaps"])

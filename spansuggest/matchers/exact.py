"""The exact matcher: every literal occurrence of a seed, optionally ignoring case and other foldings.

Literal search only (never a regex built from user text): ``str.find`` for a few distinct seeds, one
Aho-Corasick automaton (pyahocorasick ``iter()``, every occurrence, overlaps resolved by
:func:`~spansuggest.matchers.base.select`) for many. The document is folded once through the text layer
and cached, so a repeat click only searches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import ahocorasick

from ..text import Folding, NormalizedText, fold, is_whole_word, splits_grapheme, view
from ..types import Selection, Suggestion
from .base import BaseMatcher, Option, Seed, overlap_option, resolve_seeds, select

__all__ = ["ExactMatcher", "find_all"]

AUTOMATON_MIN_PATTERNS = 8
"""From this many distinct folded seeds on, one Aho-Corasick pass beats one ``str.find`` pass per seed."""

SCORES = {"exact": 1.0, "case": 0.9, "normalized": 0.8}
"""Score by how the occurrence differs from its seed: not at all, only in case, or by other folding."""


def find_all(haystack: str, needles: Sequence[str]) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, needle_index)`` for every occurrence of every needle, overlapping ones too."""
    if len(needles) < AUTOMATON_MIN_PATTERNS:
        for idx, needle in enumerate(needles):
            size = len(needle)
            pos = haystack.find(needle)
            while pos != -1:
                yield pos, pos + size, idx
                pos = haystack.find(needle, pos + 1)
        return
    automaton = ahocorasick.Automaton()
    for idx, needle in enumerate(needles):
        automaton.add_word(needle, (idx, len(needle)))
    automaton.make_automaton()
    for last, (idx, size) in automaton.iter(haystack):
        yield last + 1 - size, last + 1, idx


def reason_for(surface: str, seed_surface: str) -> str:
    """How a found surface differs from the seed's: ``exact``, ``case`` or ``normalized``."""
    if surface == seed_surface:
        return "exact"
    if surface.casefold() == seed_surface.casefold():
        return "case"
    return "normalized"


class ExactMatcher(BaseMatcher):
    """Whole-word literal occurrences of each seed; case and normalisation folding on request."""

    name = "exact"
    OPTIONS = (
        Option("case_sensitive", bool, True, "match case exactly (off: full Unicode case folding)"),
        Option("whole_word", bool, True, "only occurrences that do not cut a word of the text"),
        Option("normalize", bool, False, "also fold accents, compatibility forms (NFKC) and whitespace runs"),
        overlap_option("leftmost-longest"),
    )

    @property
    def folding(self) -> Folding:
        norm = self.options["normalize"]
        return Folding(case=not self.options["case_sensitive"], accents=norm, nfkc=norm, whitespace=norm)

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        seeds = resolve_seeds(text, selections)
        if not seeds:
            return []
        folding = self.folding
        doc = view(text, folding)
        return select(self.candidates(doc, seeds), seeds=seeds, exclude=exclude, overlaps=self.options["overlaps"])

    def candidates(self, doc: NormalizedText, seeds: Sequence[Seed]) -> Iterator[Suggestion]:
        """Every occurrence of every seed in the folded document, mapped back to original offsets."""
        by_needle: dict[str, list[Seed]] = {}
        folded: dict[str, str] = {}  # Label Studio resends every accepted region: fold each surface once
        for seed in seeds:
            needle = folded.get(seed.surface)
            if needle is None:
                needle = folded[seed.surface] = fold(seed.surface, doc.folding)
            by_needle.setdefault(needle, []).append(seed)
        needles = list(by_needle)
        groups = [self._label_groups(by_needle[n]) for n in needles]
        original, whole_word = doc.original, self.options["whole_word"]
        scored: dict[tuple[int, str], list[tuple[str, float, str]]] = {}  # (needle, surface) -> label, score, reason
        for nstart, nend, idx in find_all(doc.text, needles):
            span = doc.original_span(nstart, nend)
            if span is None:
                continue
            start, end = span
            if whole_word:
                if not is_whole_word(original, start, end):
                    continue
            elif splits_grapheme(original, start, end):
                continue
            surface = original[start:end]
            labels = scored.get((idx, surface))
            if labels is None:
                labels = scored[idx, surface] = [
                    (label, SCORES[reason], reason)
                    for label, seed_surfaces in groups[idx]
                    for reason in [max((reason_for(surface, s) for s in seed_surfaces), key=SCORES.__getitem__)]
                ]
            for label, score, reason in labels:
                yield Suggestion(start, end, label, surface, score, self.name, reason)

    @staticmethod
    def _label_groups(seeds: Sequence[Seed]) -> list[tuple[str, list[str]]]:
        """The distinct seed surfaces sharing one folded needle, grouped by label (first-seen order)."""
        groups: dict[str, dict[str, None]] = {}
        for seed in seeds:
            groups.setdefault(seed.label, {})[seed.surface] = None
        return [(label, list(surfaces)) for label, surfaces in groups.items()]

"""The exact matcher: every occurrence of a seed, refined for suggestion quality (issue 7).

By default the case policy is ``smart``, and the longer-name guard, abbreviation links and inflections are
on (each an option; rules and the ``reason`` vocabulary in :mod:`.refine`). ``case_sensitive=False`` still
means "every case variant" and ``case_sensitive=True`` "exact case". :data:`LITERAL` turns every refinement
off: the plain literal search, for code that needs the seed's surface and nothing else.

Literal search only (never a regex built from user text): ``str.find`` for a few distinct seeds, one
Aho-Corasick automaton (pyahocorasick ``iter()``, every occurrence, overlaps resolved by
:func:`~spansuggest.matchers.base.select`) for many. The document is folded once through the text layer
and cached, so a repeat click only searches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import ahocorasick

from ..text import Folding, NormalizedText, fold, splits_grapheme, view
from ..types import Selection, Suggestion
from .base import BaseMatcher, Option, Seed, overlap_option, resolve_seeds, select
from .refine import (
    SCORES,
    Target,
    case_policy,
    inflect,
    inflected_end,
    judge,
    partner_targets,
    reason_for,
    refine_options,
    score_of,
    targets,
)

__all__ = ["LITERAL", "SCORES", "ExactMatcher", "find_all", "reason_for"]

LITERAL = {"case": "sensitive", "name_guard": False, "abbreviations": False, "inflections": False}
"""Options for the plain literal search (issue 2's defaults): ``ExactMatcher(**LITERAL)``."""

AUTOMATON_MIN_PATTERNS = 8
"""From this many distinct folded seeds on, one Aho-Corasick pass beats one ``str.find`` pass per seed."""

def _positions(haystack: str, needle: str) -> Iterator[int]:
    pos = haystack.find(needle)
    while pos != -1:
        yield pos
        pos = haystack.find(needle, pos + 1)


def find_all(haystack: str | NormalizedText, needles: Sequence[str]) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, needle_index)`` for every occurrence of every needle, overlapping ones too.

    ``haystack`` may be a folded view: needles it has searched before cost nothing (Label Studio resends every
    region of the label with each click), and a few new ones are searched without decoding its text.
    """
    todo = list(enumerate(needles))
    if isinstance(haystack, NormalizedText):
        for idx, needle in todo:
            if haystack.remembers(needle):
                yield from ((pos, pos + len(needle), idx) for pos in haystack.positions(needle))
        todo = [(idx, needle) for idx, needle in todo if not haystack.remembers(needle)]
    if len(todo) < AUTOMATON_MIN_PATTERNS:
        for idx, needle in todo:
            size = len(needle)
            found = haystack.positions(needle) if isinstance(haystack, NormalizedText) else _positions(haystack, needle)
            for pos in found:
                yield pos, pos + size, idx
        return
    automaton = ahocorasick.Automaton()
    for idx, needle in todo:
        automaton.add_word(needle, (idx, len(needle)))
    automaton.make_automaton()
    text = haystack.text if isinstance(haystack, NormalizedText) else haystack
    for last, (idx, size) in automaton.iter(text):
        yield last + 1 - size, last + 1, idx


class ExactMatcher(BaseMatcher):
    """Whole-word literal occurrences of each seed, refined for quality (see :mod:`.refine`)."""

    name = "exact"
    OPTIONS = (
        *refine_options("smart")[:2],
        Option("whole_word", bool, True, "only occurrences that do not cut a word of the text"),
        Option("normalize", bool, False, "also fold accents, compatibility forms (NFKC) and whitespace runs"),
        *refine_options("smart")[2:],
        overlap_option("leftmost-longest"),
    )

    @property
    def folding(self) -> Folding:
        norm = self.options["normalize"]
        return Folding(case=case_policy(self.options) != "sensitive", accents=norm, nfkc=norm, whitespace=norm)

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
        """Every kept occurrence of every seed (and partner form) in the folded document, in original offsets."""
        wanted = targets(seeds)
        found = self._search(doc, wanted)
        if self.options["abbreviations"]:
            extra = partner_targets(doc.original, wanted, found)
            if extra:
                wanted += extra
                found += self._search(doc, extra)
        policy, guard = case_policy(self.options), self.options["name_guard"]
        original, name, scores = doc.original, self.name, {}
        for target, hits in zip(wanted, found):
            for start, end, reason in judge(original, target, hits, policy=policy, guard=guard,
                                          inflections=self.options["inflections"]):
                value = scores.get(reason)
                if value is None:
                    value = scores[reason] = score_of(reason)
                yield Suggestion(start, end, target.label, original[start:end], value, name, reason)

    def _search(self, doc: NormalizedText, wanted: Sequence[Target]) -> list[list[tuple[int, int]]]:
        """Per target, the whole-word spans (original offsets) of its surface or, with inflections, any number form."""
        original, whole_word = doc.original, self.options["whole_word"]
        inflecting, fold_case = whole_word and self.options["inflections"], doc.folding.case
        by_needle: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for idx, target in enumerate(wanted):
            stem, endings = inflect(target.surface) if inflecting else (target.surface, ("",))
            by_needle.setdefault(fold(stem, doc.folding), []).append((idx, endings))
        needles = list(by_needle)
        out: list[list[tuple[int, int]]] = [[] for _ in wanted]
        for nstart, nend, which in find_all(doc, needles):
            span = doc.original_span(nstart, nend)
            if span is None:
                continue
            start, end = span
            for idx, endings in by_needle[needles[which]]:
                if whole_word:
                    stop = inflected_end(original, start, end, endings, fold_case=fold_case)
                    if stop is None:
                        continue
                elif splits_grapheme(original, start, end):
                    continue
                else:
                    stop = end
                out[idx].append((start, stop))
        return out

"""A gazetteer: many labeled patterns, one automaton built once, the exact matcher's semantics.

The exact matcher builds its automaton per call from the seeds of one click; a gazetteer (the patterns a
project learned, or a patterns file) holds thousands of patterns that change rarely, so its automaton is
built once and reused for every document. Matching follows :class:`~spansuggest.matchers.exact.ExactMatcher`
as a literal search (:data:`~spansuggest.matchers.exact.LITERAL`: case-sensitive unless told otherwise, no
name guard, abbreviations or inflections: patterns are applied before anyone clicks, so they stay strict)
with the same options (``case_sensitive``, ``whole_word``, ``normalize``, ``overlaps``): same folding, same word
boundaries, same overlap policy, same scores, and :meth:`Gazetteer.match` returns exactly what
``ExactMatcher.match`` returns for the patterns as :meth:`~spansuggest.types.Selection.pattern` seeds.

Fast path (leftmost-longest, the default): one ``ahocorasick_rs`` leftmost-longest search in Rust. Whole
words are enforced inside the automaton, not by filtering afterwards (which would lose a shorter whole
word hidden by a longer partial one): a marker is inserted at every word boundary of the document and of
each pattern, so a pattern can only match where its word edges meet the document's. Existing regions are
masked with placeholders of the same word class before the search, so a span they hide is still found,
as :func:`~spansuggest.matchers.base.select` would. Documents the fast path cannot decide exactly (other
overlap policies, combining marks, a folding that moves a word boundary) take the exact matcher's path.

When one folded pattern was learned under several labels, the most frequent label wins (ties: the
alphabetically first) and the score is the exact matcher's score times that label's share of the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple

import ahocorasick_rs
import numpy as np

from ..text import NormalizedText, code_points, fold, from_code_points, is_joining, is_whole_word, is_word_char, view
from ..types import Suggestion
from .base import OptionError, Seed, select
from .exact import LITERAL, SCORES, ExactMatcher, reason_for

__all__ = ["Gazetteer", "Pattern"]

Span = tuple[int, int]

MARKER = "\ufdd0"
"""Inserted at word boundaries (a noncharacter: never a word character, never in real text)."""
MASK_OTHER = "\ufdd1"
"""Replaces non-word characters of existing regions (a noncharacter)."""
MASK_WORD_CANDIDATES = "ǂǁǀʘ"
"""Word-class placeholders for masked word characters (letters that every folding keeps as they are); the first
that no pattern contains is used."""


class Pattern(NamedTuple):
    """A labeled surface form and how many times it was seen (labeled by an annotator, or listed once)."""

    label: str
    text: str
    count: int = 1


@lru_cache(maxsize=1)
def _bmp_classes() -> tuple[np.ndarray, np.ndarray]:
    """Whether each BMP code point is a word character, and whether it joins a neighbour (a mark, a ZWJ)."""
    chars = [chr(cp) for cp in range(0x10000)]
    word = np.fromiter((is_word_char(c) for c in chars), dtype=bool, count=0x10000)
    mark = np.fromiter((is_joining(c) for c in chars), dtype=bool, count=0x10000)
    return word, mark


def _classes(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Word-character and joining-character flags of an array of code points."""
    word_table, mark_table = _bmp_classes()
    if cps.dtype == np.uint16:
        return word_table[cps], mark_table[cps]
    bmp = cps < 0x10000
    low = np.where(bmp, cps, 0)
    word, mark = word_table[low] & bmp, mark_table[low] & bmp
    astral = np.flatnonzero(~bmp)
    if astral.size:
        values, inverse = np.unique(cps[astral], return_inverse=True)
        word[astral] = np.fromiter((is_word_char(chr(v)) for v in values.tolist()), dtype=bool)[inverse]
        mark[astral] = np.fromiter((is_joining(chr(v)) for v in values.tolist()), dtype=bool)[inverse]
    return word, mark


def mark_words(text: str) -> str:
    """``text`` with :data:`MARKER` at each word edge: before a word's first and after its last character."""
    out, prev = [], False
    for ch in text:
        word = is_word_char(ch)
        if word != prev:
            out.append(MARKER)
        out.append(ch)
        prev = word
    if prev:
        out.append(MARKER)
    return "".join(out)


class _Needle(NamedTuple):
    """One folded pattern: its winning label, that label's surfaces (for scoring) and its share of counts."""

    text: str
    label: str
    surfaces: tuple[str, ...]
    share: float


class Gazetteer:
    """Every occurrence of many labeled patterns in a document, with the exact matcher's options."""

    name = "gazetteer"

    def __init__(self, patterns: Iterable[Pattern | tuple[str, str] | tuple[str, str, int]], **options: Any) -> None:
        for name in ("abbreviations", "inflections"):  # their hits ("tumours", "TMR") are no pattern's surface
            if options.get(name):
                raise OptionError(f"a gazetteer's patterns stay literal: option {name!r} must be off")
        self.exact = ExactMatcher(**{**LITERAL, **options})
        self.options = self.exact.options
        self.folding = self.exact.folding
        counts: dict[str, dict[str, dict[str, int]]] = {}  # folded -> label -> surface -> count
        for raw in patterns:
            pattern = Pattern(*raw)
            if not isinstance(pattern.label, str) or not pattern.label or not isinstance(pattern.text, str):
                raise ValueError(f"a pattern needs a non-empty string label and a string text: {raw!r}")
            surface = pattern.text.strip()
            if not surface or pattern.count <= 0:
                continue
            by_surface = counts.setdefault(fold(surface, self.folding), {}).setdefault(pattern.label, {})
            by_surface[surface] = by_surface.get(surface, 0) + pattern.count
        self.patterns = [
            Pattern(label, surface, n)
            for folded in sorted(counts)
            for label, by_surface in sorted(counts[folded].items())
            for surface, n in sorted(by_surface.items())
        ]
        self.needles: list[_Needle] = []
        for text in sorted(counts):
            totals = {label: sum(s.values()) for label, s in counts[text].items()}
            label = min(totals, key=lambda lab: (-totals[lab], lab))
            share = totals[label] / sum(totals.values())
            self.needles.append(_Needle(text, label, tuple(sorted(counts[text][label])), share))
        self._index = {n.text: i for i, n in enumerate(self.needles)}
        alphabet = set("".join(self._index))
        self._mask_word = next((c for c in MASK_WORD_CANDIDATES if c not in alphabet), "")
        self._automaton = None
        fast = self.options["overlaps"] == "leftmost-longest" and self._mask_word and self.needles
        if fast and not alphabet & {MARKER, MASK_OTHER}:
            texts = [mark_words(n.text) if self.options["whole_word"] else n.text for n in self.needles]
            self._automaton = ahocorasick_rs.AhoCorasick(texts, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)

    def __len__(self) -> int:
        return len(self.needles)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its patterns and options (the automaton is rebuilt on load, e.g. on a Dask worker)."""
        return (_rebuild, (self.patterns, dict(self.options)))

    def match(self, text: str, *, exclude: Iterable[Span] = ()) -> list[Suggestion]:
        """Every pattern occurrence in ``text`` not overlapping ``exclude``, sorted by position."""
        exclude = [(int(s), int(e)) for s, e in exclude]
        found = self._search(text, exclude)
        if found is None:
            return self._match_exact(text, exclude)
        return self._suggest(text, found)

    def spans(self, text: str, *, exclude: Iterable[Span] = ()) -> list[tuple[int, int, int]]:
        """``(start, end, pattern index)`` of every match: :meth:`match` without building suggestions."""
        exclude = [(int(s), int(e)) for s, e in exclude]
        found = self._search(text, exclude)
        if found is None:
            return [(s.start, s.end, self._index[fold(s.text, self.folding)]) for s in self._match_exact(text, exclude)]
        return found

    def _search(self, text: str, exclude: Sequence[Span]) -> list[tuple[int, int, int]] | None:
        """Leftmost-longest matches as ``(start, end, needle)``, or ``None`` when the fast path cannot decide."""
        if self._automaton is None or not text:
            return [] if not self.needles or not text else None
        if MARKER in text or MASK_OTHER in text:
            return None
        word, mark = _classes(code_points(text))
        if mark.any():
            return None  # joining characters (marks, ZWJ, flags): grapheme edges are checked by the exact path
        masked = self._mask(text, word, exclude) if exclude else text
        doc = NormalizedText(masked, self.folding) if exclude else view(text, self.folding)
        folded = doc.text
        if folded is not masked and folded != masked:
            if len(folded) != len(masked):  # (no folding makes a noncharacter: the masks stay what they were)
                return None
            folded_word = _classes(code_points(folded))[0]
            if not np.array_equal(folded_word, word):
                return None  # folding moved a word boundary: the exact path checks each edge
        haystack = folded
        whole_word = self.options["whole_word"]
        if whole_word:
            edges = np.flatnonzero(word[1:] != word[:-1]) + 1
            if word[0]:
                edges = np.concatenate(([0], edges))
            if word[-1]:
                edges = np.concatenate((edges, [len(word)]))
            haystack = from_code_points(np.insert(code_points(folded).astype(np.uint32), edges, ord(MARKER)))
        raw = self._automaton.find_matches_as_indexes(haystack)
        if not raw:
            return []
        if whole_word:
            found = np.fromiter(chain.from_iterable(raw), dtype=np.int64, count=3 * len(raw)).reshape(-1, 3)
            idx, starts, ends = found[:, 0], found[:, 1], found[:, 2]
            markers = edges + np.arange(len(edges))
            hay = code_points(haystack)
            starts = starts + (hay[starts] == ord(MARKER))
            ends = ends - (hay[ends - 1] == ord(MARKER))
            starts = starts - np.searchsorted(markers, starts)
            ends = ends - np.searchsorted(markers, ends)
            triples = list(zip(starts.tolist(), ends.tolist(), idx.tolist()))
        else:
            triples = [(s, e, i) for i, s, e in raw]
        if folded is masked or folded == masked:
            return triples
        out = []
        for s, e, i in triples:  # folding kept the length; check each edge against the original
            span = doc.original_span(s, e)
            if span is None or (whole_word and not is_whole_word(masked, *span)):
                return None
            out.append((span[0], span[1], i))
        return out

    def _mask(self, text: str, word: np.ndarray, exclude: Sequence[Span]) -> str:
        """``text`` with excluded spans overwritten by placeholders of the same word class (offsets kept)."""
        cps = code_points(text).astype(np.uint32)
        for start, end in exclude:
            start, end = max(start, 0), min(max(end, start + 1), len(text))
            cps[start:end] = np.where(word[start:end], ord(self._mask_word), ord(MASK_OTHER))
        return from_code_points(cps)

    def _suggest(self, text: str, found: list[tuple[int, int, int]]) -> list[Suggestion]:
        """Suggestions for matches, scored like the exact matcher (times the label's share)."""
        out = []
        scored: dict[tuple[int, str], tuple[float, str]] = {}
        for start, end, i in found:
            surface = text[start:end]
            hit = scored.get((i, surface))
            if hit is None:
                needle = self.needles[i]
                reason = max((reason_for(surface, s) for s in needle.surfaces), key=SCORES.__getitem__)
                hit = scored[i, surface] = (SCORES[reason] * needle.share, reason)
            out.append(Suggestion(start, end, self.needles[i].label, surface, hit[0], self.name, hit[1]))
        return out

    def _match_exact(self, text: str, exclude: Sequence[Span]) -> list[Suggestion]:
        """The exact matcher's path: every occurrence, then :func:`select`'s overlap policy."""
        if not self.needles or not text:
            return []
        seeds = [Seed(n.label, s, 0, 0) for n in self.needles for s in n.surfaces]
        candidates = (
            c._replace(score=c.score * self.needles[self._index[fold(c.text, self.folding)]].share, matcher=self.name)
            for c in self.exact.candidates(view(text, self.folding), seeds)
        )
        return select(candidates, seeds=(), exclude=exclude, overlaps=self.options["overlaps"])


def _rebuild(patterns: list[Pattern], options: dict[str, Any]) -> Gazetteer:
    """Unpickle a :class:`Gazetteer` (module-level so pickle can find it)."""
    return Gazetteer(patterns, **options)

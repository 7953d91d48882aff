"""A spansuggest plugin matcher: every span of the document with the same shape as a seed.

The seed ``INV-2024-0193`` has the shape *3 capitals, ``-``, 4 digits, ``-``, 4 digits*; the matcher
suggests ``INV-2023-0007`` and ``PO-...`` not. Letters keep their case class (``\\p{Lu}``, ``\\p{Ll}``,
other letters), digits are ``\\p{Nd}``, whitespace runs are any whitespace run, everything else is
literal. With ``exact_length`` off, each run may have any length (``Acme`` then finds ``Globex``).

It reuses spansuggest's shared steps, as every matcher should: :func:`resolve_seeds` for validation and
trimming, :func:`is_whole_word`/:func:`splits_grapheme` for word edges, :func:`select` for seeds,
existing regions and the overlap policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby

import regex

from spansuggest.matchers.base import BaseMatcher, Option, Seed, overlap_option, resolve_seeds, select
from spansuggest.text import is_whole_word, splits_grapheme
from spansuggest.types import Selection, Suggestion

__all__ = ["ShapeMatcher", "shape_pattern"]
__version__ = "0.1.0"

_CLASSES = {"Lu": r"\p{Lu}", "Ll": r"\p{Ll}", "L": r"[^\P{L}\p{Lu}\p{Ll}]", "N": r"\p{Nd}", "S": r"\s"}


def _char_class(ch: str) -> str:
    """The class a character stands for in a shape; a literal character is its own class."""
    if ch.isspace():
        return "S"
    if ch.isdecimal():
        return "N"
    if ch.isalpha():
        return "Lu" if ch.isupper() else "Ll" if ch.islower() else "L"
    return ch


def shape_pattern(surface: str, *, exact_length: bool = True) -> str:
    """The regular expression of ``surface``'s shape: one class per run of characters of the same kind."""
    parts = []
    for kind, run in groupby(surface, key=_char_class):
        size = len(list(run))
        if kind in _CLASSES:
            count = "+" if kind == "S" or not exact_length else f"{{{size}}}"
            parts.append(_CLASSES[kind] + count)
        else:
            parts.append(regex.escape(kind * size))
    return "".join(parts)


class ShapeMatcher(BaseMatcher):
    """Spans shaped like a seed: same runs of capitals, small letters, digits and punctuation."""

    name = "shape"
    OPTIONS = (
        Option("exact_length", bool, True, "each run of letters or digits must have the seed's length"),
        Option("whole_word", bool, True, "only spans that do not cut a word of the text"),
        overlap_option("leftmost-longest"),
    )
    CALIBRATION = "0:0,1:0.6"
    """When combined (``exact+shape``), a shape hit counts for less than an exact one: many things share a shape."""

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        """Every span with a seed's shape, minus seeds, existing regions and overlaps (by policy)."""
        seeds = resolve_seeds(text, selections)
        return select(self._candidates(text, seeds), seeds=seeds, exclude=exclude, overlaps=self.options["overlaps"])

    def _candidates(self, text: str, seeds: Sequence[Seed]) -> Iterator[Suggestion]:
        edge_ok = is_whole_word if self.options["whole_word"] else (lambda t, s, e: not splits_grapheme(t, s, e))
        patterns: dict[str, list[Seed]] = {}
        for seed in seeds:
            patterns.setdefault(shape_pattern(seed.surface, exact_length=self.options["exact_length"]), []).append(seed)
        for pattern, group in patterns.items():
            for m in regex.finditer(pattern, text, overlapped=True):
                start, end = m.span()
                if not edge_ok(text, start, end):
                    continue
                surface = m.group()
                for seed in group:
                    score = min(len(surface), len(seed.surface)) / max(len(surface), len(seed.surface))
                    yield Suggestion(start, end, seed.label, surface, score, self.name, "shape")

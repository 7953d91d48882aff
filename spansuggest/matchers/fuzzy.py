"""The fuzzy matcher: every whole-word span within a few edits of a seed, scored by how close it is.

How it finds them without a Python loop per document position (filter, then verify):

1. The seed is folded like the document (case and accents by default) and cut into ``k + 1`` pieces. A span
   within ``k`` edits of the seed contains at least one piece unchanged (pigeonhole), so the pieces' literal
   occurrences in the folded document (:func:`~spansuggest.matchers.exact.find_all`) anchor every candidate.
   The folded document comes from the text layer's cache: a repeat click only searches.
2. Each anchor gives a window of ``n + 2k`` characters that must hold the match. Windows are filtered in C
   (rapidfuzz ``cdist``, LCS): a span within ``k`` edits shares at least ``n - k`` characters, in order, with
   the seed.
3. In the few windows left, every start and end on a word boundary is paired (numpy, all windows at once)
   and the pairs are verified with rapidfuzz ``Levenshtein`` (``cdist`` again). Only the survivors, real
   matches, are handled one by one in Python: mapped to original offsets, checked against the original
   text's word boundaries, scored.

Rules, all declared as options (see ``FuzzyMatcher.OPTIONS``):

- Edits: ``k = min(max_edits, floor(edit_ratio * n))`` Levenshtein edits (insertion, deletion, substitution;
  a transposition counts two), ``n`` the folded seed's length.
- Short seeds: a seed of 1 to 3 folded characters (``SHORT_SEED``) gets ``k = 0`` whatever the options say:
  one edit away from a 1-3 letter word lies much of the vocabulary ("IBM" ~ "I", "BM", "IBMs"...).
- Edges (``whole_word``): a suggestion starts and ends on word boundaries of the original text, never on
  whitespace, and starts (ends) with punctuation only if the seed does. So for the seed "Acme Corp", the
  sentence-final "ACME Corp." yields "ACME Corp" (the period ends the sentence); for the seed "Acme Corp."
  it yields "ACME Corp.". Inner whitespace and punctuation variants ("Acme  Corp", "Acme-Corp") are edits,
  unless ``normalize`` folds the whitespace run.
- Score: ``0.95 * (1 - d / max(n, m)) + 0.05 * sim(surface)``, where ``d`` is the edit distance after
  folding (reported as ``Suggestion.distance``), ``m`` the folded span's length, and ``sim`` the
  normalised Levenshtein similarity of the raw surfaces. So the seed's exact surface scores 1.0, a
  case- or accent-only variant is in [0.95, 1), and each edit costs about ``0.95 / n``.
- Overlaps: ``best-score`` by default (the best score wins, then the fewest edits, then the leftmost).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import LCSseq, Levenshtein

from ..text import Folding, NormalizedText, default_cache, fold, is_whole_word, is_word_char, splits_grapheme, view
from ..types import Selection, Suggestion
from .base import BaseMatcher, Option, Seed, overlap_option, resolve_seeds, select
from .exact import find_all
from .refine import (
    SCORES,
    Target,
    case_policy,
    judge,
    partner_targets,
    refine_options,
    targets,
)

__all__ = ["SHORT_SEED", "FuzzyMatcher", "PieceIndex", "edit_budget", "score", "split_pieces"]

SHORT_SEED = 4
"""Seeds shorter than this many folded characters are matched with no edits (see the module docstring)."""

_EXACT_WEIGHT = 0.95  # share of the score given by the folded edit distance; the rest rewards the raw surface


def edit_budget(length: int, max_edits: int, edit_ratio: float) -> int:
    """The number of edits allowed for a folded seed of ``length`` characters."""
    if length < SHORT_SEED:
        return 0
    return min(max_edits, int(edit_ratio * length + 1e-9))


def split_pieces(needle: str, k: int) -> list[tuple[int, str]]:
    """Cut ``needle`` into ``k + 1`` contiguous pieces of near-equal length, as ``(offset, piece)``."""
    n, parts = len(needle), k + 1
    cuts = [i * n // parts for i in range(parts + 1)]
    return [(cuts[i], needle[cuts[i] : cuts[i + 1]]) for i in range(parts)]


def score(distance: int, needle_len: int, span_len: int, surface: str, seed_surface: str) -> float:
    """The suggestion score: folded edit similarity, with a small reward for the raw surface (module doc)."""
    if surface == seed_surface:
        return 1.0
    folded = 1.0 - distance / max(needle_len, span_len, 1)
    raw = Levenshtein.normalized_similarity(surface, seed_surface)
    return round(_EXACT_WEIGHT * folded + (1 - _EXACT_WEIGHT) * raw, 4)


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    """Per BMP code point: 0 whitespace, 1 punctuation or symbol, 2 word character (``is_word_char``)."""
    table = np.ones(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        ch = chr(cp)
        if ch.isspace():
            table[cp] = 0
        elif is_word_char(ch):
            table[cp] = 2
    return table


def _char_classes(chunk: str) -> np.ndarray:
    """The class (0 space, 1 punctuation, 2 word) of each character of ``chunk``."""
    cps = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _word_table()[np.minimum(cps, 0xFFFF)]
    astral = np.flatnonzero(cps > 0xFFFF)
    for i in astral.tolist():
        ch = chunk[i]
        classes[i] = 0 if ch.isspace() else 2 if is_word_char(ch) else 1
    return classes


def _edge_masks(classes: np.ndarray, first_is_word: bool, last_is_word: bool, whole_word: bool
                ) -> tuple[np.ndarray, np.ndarray]:
    """Which window columns may start a span and which may end one (column = position after the last char)."""
    before, here = classes[:, :-1], classes[:, 1:]  # character before column j+1 and at column j+1
    not_space = here != 0
    if not whole_word:
        starts = not_space
    elif first_is_word:
        starts = (here == 2) & (before != 2)
    else:
        starts = not_space & ((here != 2) | (before != 2))
    last, after = classes[:, :-1], classes[:, 1:]  # last character of a span ending at column j+1, and the next
    if not whole_word:
        ends = last != 0
    elif last_is_word:
        ends = (last == 2) & (after != 2)
    else:
        ends = (last != 0) & ((last != 2) | (after != 2))
    return starts, ends


class PieceIndex:
    """The literal index of one folded document: where each piece searched so far occurs (filled lazily).

    Built per document and folding and kept in the text layer's document cache, so a repeat click, or a
    click on another seed sharing pieces, skips the scans. At most ``MAX_HITS`` positions are kept (oldest
    pieces dropped first), so the cache can count the index at its full size when it stores it.
    """

    MAX_HITS = 1 << 20

    def __init__(self, haystack: str) -> None:
        self.haystack = haystack
        self._hits: OrderedDict[str, np.ndarray] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def nbytes(self) -> int:
        """The most memory the index may come to hold (positions are int64)."""
        return 8 * self.MAX_HITS

    def positions(self, pieces: Sequence[str]) -> dict[str, np.ndarray]:
        """Every start of every piece (overlapping occurrences too), scanning only for pieces not seen yet."""
        with self._lock:
            known = {p: self._hits[p] for p in pieces if p in self._hits}
        missing = [p for p in dict.fromkeys(pieces) if p not in known]
        if missing:
            starts: list[list[int]] = [[] for _ in missing]
            for start, _, which in find_all(self.haystack, missing):
                starts[which].append(start)
            fresh = {p: np.asarray(s, dtype=np.int64) for p, s in zip(missing, starts)}
            with self._lock:
                for piece, hits in fresh.items():
                    if piece not in self._hits and len(hits) <= self.MAX_HITS:
                        self._hits[piece] = hits
                        self._held += len(hits)
                while self._held > self.MAX_HITS:
                    self._held -= len(self._hits.popitem(last=False)[1])
            known.update(fresh)
        return known


def _piece_index(doc: NormalizedText) -> PieceIndex:
    """The document's cached :class:`PieceIndex` (one per document and folding)."""
    return default_cache.get(doc.original, ("fuzzy-pieces", doc.folding), lambda: PieceIndex(doc.text),
                             PieceIndex.nbytes)


class FuzzyMatcher(BaseMatcher):
    """Whole-word spans within a few edits of each seed (after case and accent folding), scored by closeness."""

    name = "fuzzy"
    OPTIONS = (
        Option("max_edits", int, 2, "most edits (insertion, deletion, substitution) a suggestion may differ by",
               min=0, max=8),
        Option("edit_ratio", float, 0.25, "most edits per folded seed character (k = min(max_edits, ratio * length))",
               min=0.0, max=0.5),
        Option("min_score", float, 0.0, "drop suggestions scoring below this", min=0.0, max=1.0),
        *refine_options("smart"),
        Option("accent_sensitive", bool, False, "match accents exactly (off: é ~ e, not an edit)"),
        Option("normalize", bool, False, "also fold compatibility forms (NFKC) and whitespace runs"),
        Option("whole_word", bool, True, "suggestions start and end on word boundaries of the original text"),
        overlap_option("best-score"),
    )

    @property
    def folding(self) -> Folding:
        norm = self.options["normalize"]
        return Folding(case=case_policy(self.options) != "sensitive", accents=not self.options["accent_sensitive"],
                       nfkc=norm, whitespace=norm)

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        seeds = resolve_seeds(text, selections)
        if not seeds:
            return []
        doc = view(text, self.folding)
        candidates = self.candidates(doc, seeds)
        return select(candidates, seeds=seeds, exclude=exclude, overlaps=self.options["overlaps"])

    def candidates(self, doc: NormalizedText, seeds: Sequence[Seed]) -> Iterator[Suggestion]:
        """Every kept span within the edit budget of a seed (or partner form), in original offsets, scored."""
        wanted = targets(seeds)
        found = self._search(doc, wanted)
        if self.options["abbreviations"]:
            exact = [[(s, e) for s, e, d, _ in hits if d == 0] for hits in found]
            extra = partner_targets(doc.original, wanted, exact)
            if extra:
                wanted += extra
                found += self._search(doc, extra)
        original, min_score = doc.original, self.options["min_score"]
        policy, guard = case_policy(self.options), self.options["name_guard"]
        for target, hits in zip(wanted, found):
            needle = fold(target.surface, doc.folding)
            distance_of = {(s, e): (d, m) for s, e, d, m in hits}
            kept = judge(original, target, [(s, e) for s, e, _, _ in hits], policy=policy, guard=guard,
                         inflections=self.options["inflections"], distances=[d for _, _, d, _ in hits])
            for start, end, reason in kept:
                distance, span_len = distance_of[start, end]
                surface = original[start:end]
                value = score(distance, len(needle), span_len, surface, target.surface)
                if reason == "inflection":  # another number of the seed: as close as a case variant
                    value = max(value, SCORES["inflection"])
                if value < min_score:
                    continue
                yield Suggestion(start, end, target.label, surface, value, self.name, reason, distance)

    def _search(self, doc: NormalizedText, wanted: Sequence[Target]) -> list[list[tuple[int, int, int, int]]]:
        """Per target, ``(start, end, distance, folded length)`` of every edge-valid span within its budget."""
        needles = [fold(t.surface, doc.folding) for t in wanted]
        budgets = [edit_budget(len(n), self.options["max_edits"], self.options["edit_ratio"]) for n in needles]
        anchors = self._anchors(doc, needles, budgets)
        original, whole_word = doc.original, self.options["whole_word"]
        out: list[list[tuple[int, int, int, int]]] = []
        for idx, needle in enumerate(needles):
            first_is_word, last_is_word = is_word_char(needle[0]), is_word_char(needle[-1])
            hits = []
            for nstart, nend, distance in self._verify(doc.text, needle, budgets[idx], anchors[idx],
                                                       first_is_word, last_is_word):
                span = doc.original_span(nstart, nend)
                if span is None:
                    continue
                start, end = span
                if self._edges_ok(original, start, end, first_is_word, last_is_word, whole_word):
                    hits.append((start, end, distance, nend - nstart))
            out.append(hits)
        return out

    @staticmethod
    def _anchors(doc: NormalizedText, needles: Sequence[str], budgets: Sequence[int]) -> list[np.ndarray]:
        """Per needle, the sorted distinct positions where it would start if one of its pieces is unedited."""
        found: list[list[np.ndarray]] = [[] for _ in needles]
        wanted = [(idx, offset, piece) for idx, (needle, k) in enumerate(zip(needles, budgets))
                  for offset, piece in split_pieces(needle, k)]
        hits = _piece_index(doc).positions([piece for _, _, piece in wanted])
        for idx, offset, piece in wanted:
            found[idx].append(hits[piece] - offset)
        return [np.unique(np.concatenate(parts)) for parts in found]

    def _verify(self, haystack: str, needle: str, k: int, anchors: np.ndarray, first_is_word: bool,
                last_is_word: bool) -> list[tuple[int, int, int]]:
        """``(start, end, distance)`` in the folded text for every edge-valid span within ``k`` edits."""
        n, size = len(needle), len(haystack)
        if not anchors.size:
            return []
        # The match lies in [anchor - k, anchor + n + k); keep windows sharing n - k characters with the needle.
        if k:
            bounds = zip(np.maximum(anchors - k, 0).tolist(), (anchors + n + k).tolist())
            windows = [haystack[a:b] for a, b in bounds]
            common = process.cdist([needle], windows, scorer=LCSseq.similarity, score_cutoff=n - k,
                                   dtype=np.int32, workers=1)[0]
            anchors = anchors[common >= n - k]
            if not anchors.size:
                return []
        # One row per window with one character of context each side (padded with spaces at the text's ends).
        width = n + 2 * k + 2
        first = anchors - k - 1
        chunk = "".join(
            " " * max(-a, 0) + haystack[max(a, 0) : a + width] + " " * max(a + width - size, 0) for a in first.tolist()
        )
        classes = _char_classes(chunk).reshape(len(anchors), width)
        starts, ends = _edge_masks(classes, first_is_word, last_is_word, self.options["whole_word"])
        # starts[:, j] -> span starting at first + j + 1; ends[:, j] -> span ending at first + j + 1.
        rows, scols = np.nonzero(starts[:, : 2 * k + 1])
        lengths = np.arange(n - k, n + k + 1)
        ecols = scols[:, None] + lengths[None, :]
        valid = ends[rows[:, None], np.minimum(ecols, width - 2)] & (ecols <= width - 2)
        pair_rows, pair_len = np.nonzero(valid)
        if not pair_rows.size:
            return []
        span_starts = first[rows[pair_rows]] + scols[pair_rows] + 1
        span_ends = span_starts + lengths[pair_len]
        inside = (span_starts >= 0) & (span_ends <= size)
        span_starts, span_ends = span_starts[inside], span_ends[inside]
        pairs = dict.fromkeys(zip(span_starts.tolist(), span_ends.tolist()))
        strings = [haystack[s:e] for s, e in pairs]
        distances = process.cdist([needle], strings, scorer=Levenshtein.distance, score_cutoff=k,
                                  dtype=np.int32, workers=1)[0]
        return [(s, e, int(d)) for (s, e), d in zip(pairs, distances.tolist()) if d <= k]

    @staticmethod
    def _edges_ok(text: str, start: int, end: int, first_is_word: bool, last_is_word: bool, whole_word: bool) -> bool:
        """The edge rules, decided on the original text (see the module docstring)."""
        if text[start].isspace() or text[end - 1].isspace():
            return False
        if not whole_word:
            return not splits_grapheme(text, start, end)
        if first_is_word and not is_word_char(text[start]):
            return False
        if last_is_word and not is_word_char(text[end - 1]):
            return False
        return is_whole_word(text, start, end)

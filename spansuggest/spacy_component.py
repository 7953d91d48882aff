"""The spaCy door: a pipeline component that turns a doc's seed spans into suggested spans.

::

    nlp = spacy.blank("en")
    nlp.add_pipe("span_suggester", config={"matcher": "exact", "options": {"case_sensitive": False}})
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(0, 4, "ORG")]          # or doc.spans["seeds"], with seeds_key="seeds"
    doc = nlp(doc)                                   # also nlp.pipe(docs)
    doc.spans["suggested"]                           # Span objects with labels
    doc.spans["suggested"].attrs["scores"]           # one score per span (spancat's convention)

The factory is registered through the ``spacy_factories`` entry point, so ``add_pipe`` finds it without
importing this module. Seeds come from ``doc.spans[seeds_key]`` or, when ``seeds_key`` is ``None``,
``doc.ents``; entities are existing regions either way and are never suggested. A suggestion that does not
fall on token boundaries is dropped under ``alignment_mode="strict"`` (the default: a span's text is then
exactly the suggestion's) or snapped to tokens with ``"expand"``/``"contract"``.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from .matchers import Matcher, get_matcher
from .types import Selection

__all__ = ["SpanSuggester", "make_span_suggester"]

ALIGNMENT_MODES = ("strict", "expand", "contract")


class SpanSuggester:
    """A pipeline component: seeds in a doc in, every span a matcher suggests out, as a span group."""

    def __init__(
        self,
        matcher: Matcher,
        *,
        seeds_key: str | None = None,
        spans_key: str = "suggested",
        alignment_mode: str = "strict",
    ) -> None:
        if alignment_mode not in ALIGNMENT_MODES:
            raise ValueError(f"alignment_mode must be one of {', '.join(ALIGNMENT_MODES)}; got {alignment_mode!r}")
        self.matcher = matcher
        self.seeds_key, self.spans_key, self.alignment_mode = seeds_key, spans_key, alignment_mode

    def seeds(self, doc: Doc) -> list[Span]:
        """The doc's seed spans: its span group ``seeds_key`` (absent: none), or its entities."""
        if self.seeds_key is None:
            return list(doc.ents)
        return list(doc.spans[self.seeds_key]) if self.seeds_key in doc.spans else []

    def __call__(self, doc: Doc) -> Doc:
        """Write the suggestions for ``doc``'s seeds into ``doc.spans[spans_key]`` (replacing what was there)."""
        selections = [Selection(s.start_char, s.end_char, s.label_) for s in self.seeds(doc) if s.label_]
        exclude = [(e.start_char, e.end_char) for e in doc.ents]
        found = self.matcher.match(doc.text, selections, exclude=exclude) if selections else []
        spans, scores, matchers = [], [], []
        seen: set[tuple[int, int, str]] = set()
        for s in found:
            span = doc.char_span(s.start, s.end, label=s.label, alignment_mode=self.alignment_mode)
            if span is None or len(span) == 0 or (span.start, span.end, s.label) in seen:
                continue
            seen.add((span.start, span.end, s.label))
            spans.append(span)
            scores.append(s.score)
            matchers.append(s.matcher)
        group = SpanGroup(doc, name=self.spans_key, spans=spans, attrs={"scores": scores, "matchers": matchers})
        doc.spans[self.spans_key] = group
        return doc


@Language.factory(
    "span_suggester",
    default_config={
        "matcher": "exact",
        "options": {},
        "seeds_key": None,
        "spans_key": "suggested",
        "alignment_mode": "strict",
    },
)
def make_span_suggester(
    nlp: Language,
    name: str,
    matcher: str,
    options: dict[str, Any],
    seeds_key: str | None,
    spans_key: str,
    alignment_mode: str,
) -> SpanSuggester:
    """Build the component; the matcher (any registered name, ``a+b``, or a config file) and its options
    are validated here, when the pipe is added, not at the first doc."""
    return SpanSuggester(
        get_matcher(matcher, **options), seeds_key=seeds_key, spans_key=spans_key, alignment_mode=alignment_mode
    )

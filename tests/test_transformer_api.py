"""Transformer matcher through the public API: registry, the matcher contract, and the real packaged model."""

from __future__ import annotations

from itertools import pairwise

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from spansuggest import Selection, available_matchers, get_matcher
from spansuggest.matchers import declared_options, get_factory
from spansuggest.matchers.transformer import TransformerMatcher

from .test_transformer_logic import TEXT, tiny_model  # noqa: F401  (fixture)


def test_transformer_is_registered_with_its_options() -> None:
    assert "transformer" in available_matchers() and get_factory("transformer") is TransformerMatcher
    names = {o.name for o in declared_options(TransformerMatcher)}
    assert {"model", "threshold", "candidates", "window", "stride", "max_chars", "cache_mb", "overlaps"} <= names


@pytest.mark.parametrize("overlaps", ["best-score", "leftmost-longest", "allow"])
def test_transformer_keeps_the_matcher_contract(tiny_model: str, overlaps: str) -> None:  # noqa: F811
    m = get_matcher("transformer", model=tiny_model, candidates="rule", threshold=0.0, overlaps=overlaps)
    seed = Selection(0, 15, "PER")
    exclude = [(TEXT.index("Irene"), TEXT.index("Irene") + 5)]
    out = m.match(TEXT, [seed, Selection(TEXT.index("London"), TEXT.index("London") + 6, "LOC")], exclude=exclude)
    assert out and out == m.match(
        TEXT, [seed, Selection(TEXT.index("London"), TEXT.index("London") + 6, "LOC")], exclude=exclude
    )
    assert out == sorted(out, key=lambda s: (s.start, s.end, s.label))
    for s in out:
        assert TEXT[s.start : s.end] == s.text and 0.0 <= s.score <= 1.0 and s.label in {"PER", "LOC"}
        assert s.matcher == "transformer" and s.reason in {"similar", "exact"}
        assert s.start >= 15  # never the seed (it sits at the start)
        assert not (s.start < exclude[0][1] and exclude[0][0] < s.end)
    if overlaps != "allow":
        assert all(a.end <= b.start for a, b in pairwise(out))


def test_transformer_accepts_a_pattern_seed(tiny_model: str) -> None:  # noqa: F811
    m = get_matcher("transformer", model=tiny_model, candidates="rule", threshold=0.0)
    found = m.match(TEXT, [Selection.pattern("Holmes", "PER")])
    assert any(s.text == "Holmes" and s.reason == "exact" for s in found)
    assert m.match(TEXT, [Selection.pattern("Moriarty", "PER")])  # not in the text: its surface is encoded alone


@pytest.mark.slow
def test_packaged_model_ranks_people_above_places() -> None:
    text = (
        "Sherlock Holmes lit his pipe. That evening Irene Adler sang in Warsaw, while Dr. Watson "
        "walked from Baker Street to London Bridge and Mrs. Hudson cooked dinner in Kensington."
    )
    # center=False: a two-sentence document's mean vector is mostly these very names.
    m = get_matcher("transformer", candidates="rule", threshold=0.0, overlaps="allow", center=False)
    scores = {s.text: s.score for s in m.match(text, [Selection(0, 15, "PER")])}
    people = [scores[k] for k in ("Irene Adler", "Dr. Watson", "Mrs. Hudson")]  # the seed is a whole name
    places = [scores[k] for k in ("Warsaw", "London Bridge", "Kensington")]
    assert min(people) > max(places), scores

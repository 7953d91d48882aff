"""The gazetteer behind the memory and ``annotate``: the exact matcher's semantics, built once, picklable."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from spansuggest.matchers.exact import LITERAL, ExactMatcher
from spansuggest.matchers.gazetteer import Gazetteer, Pattern
from spansuggest.types import Selection

from .hostile import hostile_text

WORDY = st.lists(st.sampled_from(["a", "A", "b", "ab", "Ab", " ", "  ", ".", "-", "_", "+", "ß", "İ", "🍎"]), max_size=14).map("".join)
OPTIONS = st.fixed_dictionaries({
    "case_sensitive": st.booleans(),
    "whole_word": st.booleans(),
    "normalize": st.booleans(),
    "overlaps": st.sampled_from(["leftmost-longest", "allow", "best-score"]),
})


def single_label(patterns: list[tuple[str, str]], options: dict) -> list[tuple[str, str]]:
    """Patterns reduced to one label per folded form (so every label share is 1, as in the exact matcher)."""
    return [(n.label, s) for n in Gazetteer(patterns, **options).needles for s in n.surfaces]


def check_same_as_exact(text: str, patterns: list[tuple[str, str]], options: dict, excluded: list[tuple[int, int]]) -> None:
    patterns = single_label(patterns, options)
    exclude = [(s, min(s + n, len(text))) for s, n in excluded if s < len(text)]
    got = Gazetteer(patterns, **options).match(text, exclude=exclude)
    want = ExactMatcher(**{**LITERAL, **options}).match(text, [Selection.pattern(p, label) for label, p in patterns], exclude=exclude)
    assert [(g.start, g.end, g.label, g.text, g.score) for g in got] == [(w.start, w.end, w.label, w.text, w.score) for w in want]
    assert all(text[g.start : g.end] == g.text for g in got)


PATTERNS = lambda texts: st.lists(st.tuples(st.sampled_from(["A", "B"]), texts.filter(str.strip)), min_size=1, max_size=9)
EXCLUDED = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5)), max_size=3)


@settings(max_examples=200, deadline=None)
@given(hostile_text, PATTERNS(hostile_text), OPTIONS, EXCLUDED)
def test_memory_gazetteer_matches_exact_matcher_hostile(text, patterns, options, excluded) -> None:
    check_same_as_exact(text, patterns, options, excluded)


@settings(max_examples=200, deadline=None)
@given(WORDY, PATTERNS(WORDY), OPTIONS, EXCLUDED)
def test_memory_gazetteer_matches_exact_matcher_words(text, patterns, options, excluded) -> None:
    check_same_as_exact(text, patterns, options, excluded)


def test_memory_gazetteer_whole_word_before_longest() -> None:
    # "Bob Smi" is the longest occurrence at 0 but cuts "Smith": the whole word "Bob" must still be found
    g = Gazetteer([("PER", "Bob"), ("PER", "Bob Smi"), ("PER", "Smith")])
    assert [(s.start, s.end) for s in g.match("Bob Smith")] == [(0, 3), (4, 9)]


def test_memory_gazetteer_exclusion_keeps_hidden_spans() -> None:
    g = Gazetteer([("PER", "Bob Smith"), ("PER", "Smith")])
    assert [(s.start, s.end) for s in g.match("Bob Smith", exclude=[(0, 3)])] == [(4, 9)]


def test_memory_gazetteer_fast_path_decides_case_folded_documents_with_regions() -> None:
    # Label Studio always sends the existing regions: the Rust search must still decide, not the slow path
    g = Gazetteer([("ORG", "Acme Corp"), ("PER", "Ann")], case_sensitive=False)
    text = "Acme Corp hired Ann. ACME corp and ann met. Acme Corp!"
    assert g._search(text, [(0, 9), (19, 20)]) == [(16, 19, 1), (21, 30, 0), (35, 38, 1), (44, 53, 0)]


def test_memory_gazetteer_majority_label_and_share() -> None:
    g = Gazetteer([Pattern("ORG", "Apple", 3), Pattern("FRUIT", "apple", 1)], case_sensitive=False)
    (s,) = g.match("an Apple")
    assert (s.label, s.score, s.reason) == ("ORG", 0.75, "exact")


def test_memory_gazetteer_pickles_without_automaton() -> None:
    g = Gazetteer([Pattern("ORG", "Acme", 2), Pattern("PER", "Ann", 1)], case_sensitive=False)
    clone = pickle.loads(pickle.dumps(g))
    text = "ACME hired Ann; acme grew."
    assert clone.match(text) == g.match(text) and clone.patterns == g.patterns


def test_memory_gazetteer_spans_match_suggestions() -> None:
    g = Gazetteer([("PER", p) for p in ["Ann", "Bob", "Ann Lee", "Lee"]] + [("X", f"w{i}") for i in range(20)])
    text = "Ann Lee met Bob and Lee; w3 w19 w1x"
    assert [(s, e) for s, e, _ in g.spans(text)] == [(s.start, s.end) for s in g.match(text)]
    assert [g.needles[i].text for _, _, i in g.spans(text)] == ["Ann Lee", "Bob", "Lee", "w3", "w19"]


def test_memory_gazetteer_empty() -> None:
    assert Gazetteer([]).match("anything") == [] and Gazetteer([("A", "x")]).match("") == []


def test_memory_gazetteer_never_splits_a_joined_character() -> None:
    for text in ["a\u200d", "a\u0301 a", "🇨🇭🇫🇷", "👍🏽 x"]:
        for pattern in ["a", "🇭🇫", "👍"]:
            for whole_word in (True, False):
                check_same_as_exact(text, [("A", pattern)], {"whole_word": whole_word}, [])


def test_memory_gazetteer_rejects_options_it_cannot_apply() -> None:
    import pytest

    from spansuggest.matchers.base import OptionError

    with pytest.raises(OptionError, match="inflections"):  # would find "tumours" with no pattern to credit it to
        Gazetteer([("X", "tumour")], inflections=True)

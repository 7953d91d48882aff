"""The fuzzy matcher against a brute-force reference, its invariants, edge rules and scores."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from corpora.planted import VARIANT_KINDS, planted_document
from spansuggest import Selection, get_matcher
from spansuggest.matchers.fuzzy import SHORT_SEED, PieceIndex, edit_budget, split_pieces
from spansuggest.testing import check_matcher
from spansuggest.text import Folding, default_cache, fold, is_whole_word, is_word_char
from tests.hostile import hostile_text, text_and_span

WORDS = ["Acme", "Acne", "acme", "ACME", "Acmé", "Acme\u0301", "Acm", "Acmex", "Corp", "Crop", "corp", "Corp.",
         "Cor", "co", "x", "İ", "ß", "-", ".", ",", "Acme-Corp", "AcmeCorp", "9"]
SEPARATORS = [" ", " ", "  ", "\n", ", ", "-"]
DEFAULT_FOLDING = Folding(case=True, accents=True)

LITERAL = dict(case="insensitive", name_guard=False, abbreviations=False, inflections=False)
"""Issue 2's fuzzy search alone (issue 7's refinements are on by default; see test_refine_*)."""


@st.composite
def word_texts(draw: st.DrawFn) -> str:
    """A short text of near-variants of "Acme Corp", starting with the seed "Acme Corp"."""
    words = draw(st.lists(st.sampled_from(WORDS), max_size=10))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    return "Acme Corp " + "".join(w + s for w, s in zip(words, seps))


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def reference(text: str, seed: tuple[int, int], k: int, folding: Folding = DEFAULT_FOLDING) -> set[tuple[int, int]]:
    """Every span within ``k`` folded edits of the seed, with word-boundary edges as the module documents."""
    surface = text[seed[0] : seed[1]]
    needle = fold(surface, folding)
    first_word, last_word = is_word_char(surface[0]), is_word_char(surface[-1])
    found = set()
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + len(needle) + 3 * k + 6) + 1):
            if text[start].isspace() or text[end - 1].isspace() or overlaps((start, end), seed):
                continue
            if (first_word and not is_word_char(text[start])) or (last_word and not is_word_char(text[end - 1])):
                continue
            if is_whole_word(text, start, end) and Levenshtein.distance(fold(text[start:end], folding), needle) <= k:
                found.add((start, end))
    return found


@pytest.mark.parametrize("options", [{}, {"max_edits": 3, "edit_ratio": 0.5}, {"max_edits": 0}])
@given(text=word_texts())
@settings(max_examples=80, deadline=None)
def test_fuzzy_matches_brute_force(options: dict, text: str) -> None:
    matcher = get_matcher("fuzzy", **LITERAL, overlaps="allow", **options)
    k = edit_budget(len(fold("Acme Corp", DEFAULT_FOLDING)), matcher.options["max_edits"], matcher.options["edit_ratio"])
    got = {(s.start, s.end) for s in matcher.match(text, [Selection(0, 9, "ORG")])}
    assert got == reference(text, (0, 9), k)


@given(text=word_texts(), data=st.data())
@settings(max_examples=80, deadline=None)
def test_fuzzy_matches_brute_force_for_any_seed(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    seed = text[start:end].strip()
    if not seed or not is_whole_word(text, text.index(seed, start), text.index(seed, start) + len(seed)):
        return
    offset = text.index(seed, start)
    matcher = get_matcher("fuzzy", **LITERAL, overlaps="allow")
    k = edit_budget(len(fold(seed, DEFAULT_FOLDING)), 2, 0.25)
    got = {(s.start, s.end) for s in matcher.match(text, [Selection(offset, offset + len(seed), "X")])}
    assert got == reference(text, (offset, offset + len(seed)), k)


@pytest.mark.parametrize("options", [{}, {"case_sensitive": True, "accent_sensitive": True}, {"normalize": True},
                                     {"whole_word": False, "max_edits": 3, "edit_ratio": 0.5}])
@given(case=text_and_span())
@settings(max_examples=100, deadline=None)
def test_fuzzy_suggestions_within_promised_distance_on_hostile_unicode(options: dict, case) -> None:
    text, start, end = case
    matcher = get_matcher("fuzzy", **LITERAL, **options)
    seed = text[start:end].strip()
    if not seed:
        return
    needle = fold(seed, matcher.folding)
    k = edit_budget(len(needle), matcher.options["max_edits"], matcher.options["edit_ratio"])
    got = matcher.match(text, [Selection(start, end, "X")])
    for s in got:
        assert text[s.start : s.end] == s.text
        assert s.distance == Levenshtein.distance(fold(s.text, matcher.folding), needle) <= k
        assert 0.0 <= s.score <= 1.0 and (s.score == 1.0) == (s.text == seed)
    spans = sorted((s.start, s.end) for s in got)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@given(text=hostile_text, data=st.data())
@settings(max_examples=150, deadline=None)
def test_fuzzy_includes_exact_matches(text: str, data: st.DataObject) -> None:
    text = "Acme Corp " + text + " acme corp Acme Corp"
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    if not text[start:end].strip():
        return
    seed = [Selection(start, end, "X")]
    exact = {(s.start, s.end) for s in get_matcher("exact").match(text, seed)}
    fuzzy = {(s.start, s.end) for s in get_matcher("fuzzy", **LITERAL).match(text, seed)}
    assert exact <= fuzzy


@pytest.mark.parametrize("options", [{}, {"normalize": True}, {"whole_word": False, "max_edits": 3, "edit_ratio": 0.5},
                                     {"overlaps": "allow"}, {"case_sensitive": True, "accent_sensitive": True}])
def test_fuzzy_conforms_to_protocol(options: dict) -> None:
    check_matcher(get_matcher("fuzzy", **LITERAL, **options))


def test_fuzzy_finds_issue_examples_with_tight_edges() -> None:
    text = ("Acme Corp hired. Acme Crop, Acne Corp and ACME Corp. also Acme  Corp and Acmé Corp; "
            "not Acme Corporation, Acme Corpses or MegaAcme Corp, but x Acme Corp.")
    got = get_matcher("fuzzy", **LITERAL).match(text, [Selection(0, 9, "ORG")])
    assert [(s.text, s.reason, s.distance) for s in got] == [
        ("Acme Crop", "fuzzy k=2", 2), ("Acne Corp", "fuzzy k=1", 1), ("ACME Corp", "case", 0),
        ("Acme  Corp", "fuzzy k=1", 1), ("Acmé Corp", "normalized", 0), ("Acme Corp", "exact", 0)]
    scores = [s.score for s in got]
    assert scores[-1] == 1.0 and 0.95 <= scores[2] < scores[4] < 1.0 and scores[0] < scores[1] < 0.95


def test_fuzzy_trailing_period_follows_the_seed() -> None:
    text = "Acme Corp. and then ACME Corp. ended it."
    no_dot = get_matcher("fuzzy", **LITERAL).match(text, [Selection(0, 9, "ORG")])
    with_dot = get_matcher("fuzzy", **LITERAL).match(text, [Selection(0, 10, "ORG")])
    assert [s.text for s in no_dot] == ["ACME Corp"]
    assert [s.text for s in with_dot] == ["ACME Corp."]


def test_fuzzy_short_seeds_match_exactly() -> None:
    text = "IBM and ibm, IBN, IB, IBMs and I.B.M. and Acme Crop"
    got = get_matcher("fuzzy", **LITERAL, max_edits=2, edit_ratio=0.5).match(text, [Selection(0, 3, "ORG")])
    assert [(s.text, s.distance) for s in got] == [("ibm", 0)]
    assert edit_budget(SHORT_SEED - 1, 8, 0.5) == 0 and edit_budget(SHORT_SEED, 8, 0.5) == 2


def test_fuzzy_edit_budget_is_relative_and_capped() -> None:
    assert edit_budget(9, 2, 0.25) == 2
    assert edit_budget(7, 2, 0.25) == 1
    assert edit_budget(40, 2, 0.25) == 2
    assert edit_budget(40, 8, 0.1) == 4


def test_split_pieces_cover_the_needle() -> None:
    for k in range(4):
        pieces = split_pieces("acme corp", k)
        assert len(pieces) == k + 1 and "".join(p for _, p in pieces) == "acme corp"
        assert all("acme corp"[o : o + len(p)] == p for o, p in pieces)


def test_fuzzy_best_score_wins_overlaps() -> None:
    text = "Acme Corp; the Acme Corp x Acme Crop"
    got = get_matcher("fuzzy", **LITERAL, max_edits=2).match(text, [Selection(0, 9, "ORG")])
    assert [s.text for s in got] == ["Acme Corp", "Acme Crop"]
    allow = get_matcher("fuzzy", **LITERAL, overlaps="allow").match(text, [Selection(0, 9, "ORG")])
    assert ("x Acme Crop" not in [s.text for s in allow]) and len(allow) >= 2


def test_fuzzy_min_score_and_sensitivity_options() -> None:
    text = "Acme Corp, ACME CORP, Acne Corp, Acmé Corp, Acme  Corp"
    seed = [Selection(0, 9, "ORG")]
    assert [s.text for s in get_matcher("fuzzy", **LITERAL, min_score=0.95).match(text, seed)] == ["ACME CORP", "Acmé Corp"]
    strict = get_matcher("fuzzy", case_sensitive=True, **{k: v for k, v in LITERAL.items() if k != "case"}, accent_sensitive=True).match(text, seed)
    assert [(s.text, s.distance) for s in strict] == [("Acne Corp", 1), ("Acmé Corp", 1), ("Acme  Corp", 1)]
    normalized = get_matcher("fuzzy", **LITERAL, normalize=True).match(text, seed)
    assert ("Acme  Corp", "normalized", 0) in [(s.text, s.reason, s.distance) for s in normalized]


def test_fuzzy_whole_word_off_matches_inside_words() -> None:
    text = "Acme Corp and xAcme Corpse"
    assert get_matcher("fuzzy", **LITERAL).match(text, [Selection(0, 9, "ORG")]) == []
    inside = get_matcher("fuzzy", **LITERAL, whole_word=False, max_edits=0).match(text, [Selection(0, 9, "ORG")])
    assert [(s.start, s.end) for s in inside] == [(15, 24)]


def test_fuzzy_several_seeds_and_labels() -> None:
    text = "Acme Corp met Jane Doe. Acne Corp met Jone Doe, and Acme Crop too."
    seeds = [Selection(0, 9, "ORG"), Selection(14, 22, "PER"), Selection.pattern("Acme Corp", "ORG")]
    got = get_matcher("fuzzy", **LITERAL).match(text, seeds)
    assert [(s.text, s.label) for s in got] == [("Acne Corp", "ORG"), ("Jone Doe", "PER"), ("Acme Crop", "ORG")]


def test_fuzzy_repeat_click_reuses_document_work() -> None:
    text = planted_document(50_000, every=1_000, seed=5).text
    matcher = get_matcher("fuzzy", **LITERAL)
    seed = [Selection.pattern("Acme Corp", "ORG")]
    first = matcher.match(text, seed)
    hits = default_cache.hits
    assert matcher.match(text, seed) == first
    assert default_cache.hits >= hits + 2  # the folded view and the piece index


@pytest.mark.parametrize("k", [1, 2])
def test_fuzzy_recall_and_precision_on_planted_document(k: int) -> None:
    doc = planted_document(300_000, every=600, seed=11)
    got = get_matcher("fuzzy", **LITERAL, max_edits=k).match(doc.text, [Selection.pattern(doc.name, "ORG")])
    spans = {(s.start, s.end) for s in got}
    wanted = {(p.start, p.end) for p in doc.plants if p.kind in VARIANT_KINDS
              and Levenshtein.distance(fold(p.text, DEFAULT_FOLDING), fold(doc.name, DEFAULT_FOLDING)) <= k}
    assert len(wanted) > 100
    assert spans == wanted


def test_piece_index_keeps_at_most_max_hits_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PieceIndex, "MAX_HITS", 5)
    index = PieceIndex("ab ab ab ab cd cd cd")
    assert [len(v) for v in index.positions(["ab", "cd"]).values()] == [4, 3]  # every hit is returned
    assert index.positions(["ab"])["ab"].tolist() == [0, 3, 6, 9]  # ... and the oldest piece made room
    assert index._held <= 5 and list(index._hits) == ["ab"]

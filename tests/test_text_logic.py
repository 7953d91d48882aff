"""The text layer against a brute-force reference on hostile Unicode."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spansuggest.text import (
    DocumentCache,
    Folding,
    NormalizedText,
    _fold_segment,
    fold,
    is_mark,
    is_whole_word,
    splits_grapheme,
    view,
)
from tests.hostile import hostile_text

FOLDINGS = [Folding(*flags) for flags in itertools.product([False, True], repeat=4)]


def reference_segments(text: str, folding: Folding) -> list[tuple[int, int]]:
    """Segments by the documented rule, one character at a time."""
    segments: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        if folding.whitespace and text[i].isspace():
            while j < len(text) and text[j].isspace():
                j += 1
        if folding.groups_marks:
            while j < len(text) and is_mark(text[j]):
                j += 1
        segments.append((i, j))
        i = j
    return segments


def reference_view(text: str, folding: Folding) -> tuple[str, dict[int, int]]:
    """The folded text and the map of every valid folded edge to its original offset."""
    out, edges, npos = [], {0: 0}, 0
    for start, end in reference_segments(text, folding):
        piece = _fold_segment(text[start:end], folding)
        out.append(piece)
        npos += len(piece)
        edges[npos] = end
    return "".join(out), edges


@pytest.mark.parametrize("folding", FOLDINGS, ids=str)
@given(text=hostile_text)
@settings(max_examples=60, deadline=None)
def test_view_matches_reference(folding: Folding, text: str) -> None:
    folded, edges = reference_view(text, folding)
    doc = NormalizedText(text, folding)
    assert doc.text == folded
    for nstart in range(len(folded) + 1):
        for nend in range(nstart, len(folded) + 1):
            expected = (edges[nstart], edges[nend]) if nstart in edges and nend in edges else None
            assert doc.original_span(nstart, nend) == expected


@pytest.mark.parametrize("folding", FOLDINGS, ids=str)
@given(text=hostile_text)
@settings(max_examples=40, deadline=None)
def test_view_spans_round_trip(folding: Folding, text: str) -> None:
    doc = NormalizedText(text, folding)
    for nstart in range(len(doc.text) + 1):
        for nend in range(nstart, len(doc.text) + 1):
            span = doc.original_span(nstart, nend)
            if span is not None:
                assert fold(text[span[0] : span[1]], folding) == doc.text[nstart:nend]


def test_view_casefold_not_lower() -> None:
    doc = NormalizedText("İstanbul and Apple", Folding(case=True))
    start = doc.text.index("apple")
    assert doc.original_span(start, start + 5) == (13, 18)
    assert NormalizedText("Straße", Folding(case=True)).text == "strasse"


def test_view_inside_expansion_is_not_an_edge() -> None:
    doc = NormalizedText("ß", Folding(case=True))
    assert doc.original_span(0, 2) == (0, 1)
    assert doc.original_span(0, 1) is None
    assert doc.original_span(1, 2) is None


def test_view_whitespace_runs_fold_to_one_space() -> None:
    text = "Acme \r\n\t Corp and Acme\u00a0Corp"
    doc = NormalizedText(text, Folding(whitespace=True))
    assert doc.text == "Acme Corp and Acme Corp"
    assert doc.original_span(0, 9) == (0, 13)
    assert doc.original_span(14, 23) == (18, 27)


def test_view_astral_text_uses_code_points() -> None:
    text = "🍎 Apple 👩\u200d👩\u200d👧 APPLE 𐐀"  # Deseret capital folds to its small letter
    doc = NormalizedText(text, Folding(case=True))
    assert doc.text == "🍎 apple 👩\u200d👩\u200d👧 apple 𐐨"
    start = doc.text.rindex("apple")
    assert text[slice(*doc.original_span(start, start + 5))] == "APPLE"


def test_view_lone_surrogate_is_kept() -> None:
    doc = NormalizedText("x\ud800Y", Folding(case=True))
    assert doc.text == "x\ud800y"


@pytest.mark.parametrize(
    ("text", "span", "whole"),
    [
        ("pineapple apple", (4, 9), False),
        ("pineapple apple", (10, 15), True),
        ("C++ rocks", (0, 3), True),
        ("(TM) x", (0, 4), True),
        ("José", (0, 3), False),
        ("Jose\u0301", (0, 4), False),
        ("snake_case", (0, 5), False),
        ("Apple's", (0, 5), True),
        ("x", (0, 0), False),
        ("a\r\nb", (0, 2), False),
        ("🇨🇭🇫🇷", (2, 4), True),
        ("🇨🇭🇫🇷", (1, 3), False),
        ("👩\u200d👩\u200d👧 x", (0, 1), False),
        ("👍🏽 ok", (0, 1), False),
    ],
)
def test_is_whole_word_cases(text: str, span: tuple[int, int], whole: bool) -> None:
    assert is_whole_word(text, *span) is whole


@given(text=st.text(max_size=30), data=st.data())
@settings(max_examples=200, deadline=None)
def test_is_whole_word_agrees_with_regex_on_word_edges(text: str, data: st.DataObject) -> None:
    """Where both edges of the span are word characters, whole-word means exactly regex ``\\b…\\b``."""
    import re

    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    word = re.compile(r"\w")
    if not (word.match(text[start]) and word.match(text[end - 1])):
        return
    if any(is_mark(c) for c in text) or splits_grapheme(text, start, end):
        return  # marks are word characters here, and a character is never split: neither holds in `re`
    at_boundary = re.compile(r"\b").match
    expected = bool(at_boundary(text, start)) and bool(at_boundary(text, end))
    assert is_whole_word(text, start, end) is expected


def test_cache_reuses_view_for_equal_text() -> None:
    cache = DocumentCache(max_bytes=10 * 2**20)
    text = "Acme Corp " * 100
    first = view(text, Folding(case=True), cache)
    second = view("".join(["Acme Corp "] * 100), Folding(case=True), cache)
    assert first is second
    assert (cache.hits, cache.misses) == (1, 1)


def test_cache_evicts_oldest_when_over_budget() -> None:
    cache = DocumentCache(max_bytes=1_000_000)
    texts = [f"document {i} " * 500 for i in range(5)]
    for text in texts:
        view(text, Folding(case=True), cache)
    assert 0 < len(cache) < 5
    view(texts[-1], Folding(case=True), cache)
    assert cache.hits == 1


@pytest.mark.parametrize("folding", FOLDINGS, ids=str)
@given(text=hostile_text, data=st.data())
@settings(max_examples=40, deadline=None)
def test_view_positions_agree_with_str_find(folding: Folding, text: str, data: st.DataObject) -> None:
    """The undecoded search (code-point buffer) finds exactly what ``str.find`` finds in the folded text."""
    folded = NormalizedText(text, folding).text
    if not folded:
        return
    start = data.draw(st.integers(0, len(folded) - 1))
    needle = folded[start : data.draw(st.integers(start + 1, len(folded)))]
    expected = [i for i in range(len(folded)) if folded.startswith(needle, i)]
    assert list(NormalizedText(text, folding).positions(needle)) == expected


def test_view_positions_skip_hits_between_code_points() -> None:
    # U+6100 U+0100 is the byte sequence 00 61 00 01 in UTF-16-LE: "a" (61 00) sits at an odd byte offset.
    doc = NormalizedText("\u6100\u0100", Folding(whitespace=True))
    assert list(doc.positions("a")) == [] and list(doc.positions("\u0100")) == [1]
    assert doc.text == "\u6100\u0100"


def test_view_positions_are_remembered_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    import spansuggest.text as text_layer

    monkeypatch.setattr(text_layer, "MEMO_HITS", 3)
    doc = NormalizedText("ab ab ab ab — ab", Folding(case=True))
    assert doc.positions("ab") == [0, 3, 6, 9, 14]  # five hits: over the bound, not remembered
    assert doc.positions("b a") == [1, 4, 7] and doc.positions("b a") is doc.positions("b a")
    assert doc.positions("ab") == [0, 3, 6, 9, 14]

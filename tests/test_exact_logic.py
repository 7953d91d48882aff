"""The exact matcher against a brute-force reference, and its overlap and scoring rules."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spansuggest import Selection, get_matcher
from spansuggest.matchers.exact import AUTOMATON_MIN_PATTERNS, find_all
from spansuggest.text import Folding, NormalizedText, fold, is_whole_word, splits_grapheme
from tests.hostile import hostile_text, text_and_span

LITERAL = dict(name_guard=False, abbreviations=False, inflections=False)
"""The literal search alone (the quality refinements of issue 7 are on by default; see test_refine_*)."""

OPTION_SETS = [
    dict(case_sensitive=cs, whole_word=ww, normalize=nm)
    for cs, ww, nm in itertools.product([True, False], repeat=3)
]


def brute_force(text: str, seed: str, *, case_sensitive: bool, whole_word: bool, normalize: bool) -> set[tuple[int, int]]:
    """Every span whose folded text equals the folded seed, with the matcher's edge rules."""
    folding = Folding(case=not case_sensitive, accents=normalize, nfkc=normalize, whitespace=normalize)
    target = fold(seed, folding)
    found = set()
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            if fold(text[start:end], folding) != target:
                continue
            if whole_word and not is_whole_word(text, start, end):
                continue
            if splits_grapheme(text, start, end):
                continue
            found.add((start, end))
    return found


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(k for k, v in o.items() if v) or "none")
@given(case=text_and_span())
@settings(max_examples=60, deadline=None)
def test_exact_matches_brute_force(options: dict, case: tuple[str, int, int]) -> None:
    text, start, end = case
    seed = text[start:end].strip()
    if not seed:
        return
    offset = text.index(seed, start)
    seed_span = (offset, offset + len(seed))
    matcher = get_matcher("exact", overlaps="allow", **options, **LITERAL)
    got = {(s.start, s.end) for s in matcher.match(text, [Selection(start, end, "ORG")])}
    expected = {span for span in brute_force(text, seed, **options) if not overlaps(span, seed_span)}
    # A span whose edge falls inside a folded segment (e.g. inside a whitespace run, or between a base and its
    # mark) is never a suggestion by design; the reference may only hold more spans of that kind.
    assert got <= expected
    folding = Folding(case=not options["case_sensitive"], accents=options["normalize"], nfkc=options["normalize"],
                      whitespace=options["normalize"])
    doc = NormalizedText(text, folding)
    edges = {span[0] for p in range(len(doc.text) + 1) if (span := doc.original_span(p, p)) is not None}
    for missing in expected - got:
        assert not (missing[0] in edges and missing[1] in edges), missing
    for s in matcher.match(text, [Selection(start, end, "ORG")]):
        assert text[s.start : s.end] == s.text


@given(text=hostile_text, data=st.data())
@settings(max_examples=150, deadline=None)
def test_exact_case_insensitive_finds_reference_on_segment_edges(text: str, data: st.DataObject) -> None:
    """Completeness: every brute-force span whose edges are folded-segment edges is found."""
    if not text.strip():
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    seed = text[start:end].strip()
    if not seed:
        return
    offset = text.index(seed, start)
    matcher = get_matcher("exact", case_sensitive=False, overlaps="allow", **LITERAL)
    got = {(s.start, s.end) for s in matcher.match(text, [Selection(offset, offset + len(seed), "X")])}
    expected = brute_force(text, seed, case_sensitive=False, whole_word=True, normalize=False)
    expected = {sp for sp in expected if not overlaps(sp, (offset, offset + len(seed)))}
    assert got == expected


@given(words=st.lists(st.sampled_from(["acme", "Acme", "ACME", "corp", "Corp", "x", "acmes", "_acme", "9"]), max_size=30))
@settings(max_examples=200, deadline=None)
def test_exact_agrees_with_regex_word_boundaries(words: list[str]) -> None:
    text = " ".join(["Acme Corp", *words, "Acme Corp"]).replace("corp x", "corp, x")
    matcher = get_matcher("exact", case_sensitive=False, overlaps="allow", **LITERAL)
    got = [(s.start, s.end) for s in matcher.match(text, [Selection(0, 4, "ORG")])]
    expected = [m.span() for m in re.finditer(r"\bAcme\b", text, re.IGNORECASE) if m.start() != 0]
    assert got == expected


def test_exact_leftmost_longest_between_seeds() -> None:
    text = "Acme Corp and Acme; Acme Corp."
    matcher = get_matcher("exact", name_guard=False)
    got = matcher.match(text, [Selection(0, 9, "ORG"), Selection(14, 18, "ORG")])
    assert [(s.start, s.end) for s in got] == [(20, 29)]
    allow = get_matcher("exact", overlaps="allow", name_guard=False).match(text, [Selection(0, 9, "ORG"), Selection(14, 18, "ORG")])
    assert [(s.start, s.end) for s in allow] == [(20, 24), (20, 29)]


def test_exact_overlapping_occurrences_resolved() -> None:
    text = "aa aa aaa aa"
    got = get_matcher("exact", whole_word=False).match(text, [Selection(0, 2, "X")])
    assert [(s.start, s.end) for s in got] == [(3, 5), (6, 8), (10, 12)]


def test_exact_scores_and_reasons() -> None:
    text = "Acme Corp, ACME CORP, Acmé  Corp"
    got = get_matcher("exact", case_sensitive=False, normalize=True).match(text, [Selection(0, 9, "ORG")])
    assert [(s.text, s.score, s.reason) for s in got] == [("ACME CORP", 0.9, "case"), ("Acmé  Corp", 0.8, "normalized")]


def test_exact_never_returns_seed_or_excluded() -> None:
    text = "Apple hired Tim Cook 🍎. Apple stock rose; a pineapple is not APPLE."
    matcher = get_matcher("exact", case_sensitive=False)
    got = matcher.match(text, [Selection(0, 5, "ORG")], exclude=[(61, 66)])
    assert [(s.start, s.end, s.text) for s in got] == [(24, 29, "Apple")]


def test_exact_several_labels_and_seeds() -> None:
    text = "Bob met Acme. Bob left Acme."
    got = get_matcher("exact").match(text, [Selection(0, 3, "PER"), Selection(8, 12, "ORG")])
    assert [(s.start, s.label) for s in got] == [(14, "PER"), (23, "ORG")]


def test_exact_pattern_seed_without_position() -> None:
    got = get_matcher("exact").match("Acme Corp twice: Acme Corp", [Selection.pattern(" Acme Corp ", "ORG")])
    assert [(s.start, s.end) for s in got] == [(0, 9), (17, 26)]


def test_find_all_automaton_agrees_with_find() -> None:
    text = "she sells seashells by the seashore; he shells"
    needles = ["he", "she", "sea", "shell", "s", "ells", "the", "x", "shore"][: AUTOMATON_MIN_PATTERNS + 1]
    few = sorted(hit for i, n in enumerate(needles) for hit in find_all(text, [n]) for hit in [(hit[0], hit[1], i)])
    many = sorted(find_all(text, needles))
    assert many == few


def test_exact_regex_metacharacters_are_literal() -> None:
    text = "AT&T (US) rose; c++ and cc; (TM) vs tm; $5 and 5"
    for seed in ["AT&T (US)", "c++", "(TM)", "$5"]:
        start = text.index(seed)
        other = text.replace(seed, "_" * len(seed), 1)
        got = get_matcher("exact").match(text + " " + seed, [Selection(start, start + len(seed), "X")])
        assert [s.text for s in got] == [seed], (seed, got, other)


def test_find_all_mixes_remembered_and_new_needles_on_a_view() -> None:
    from spansuggest.text import NormalizedText

    text = "she sells seashells by the seashore; he shells"
    needles = ["he", "she", "sea", "shell", "s", "ells", "the", "x", "shore"]
    expected = sorted(find_all(text, needles))
    doc = NormalizedText(text, Folding(case=True))
    doc.positions("sea"), doc.positions("s")  # two needles searched before
    assert doc.remembers("sea") and not doc.remembers("he")
    assert sorted(find_all(doc, needles)) == expected
    assert sorted(find_all(doc, needles[:3])) == sorted(find_all(text, needles[:3]))

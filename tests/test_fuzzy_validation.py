"""Bad options and bad selections give clear errors; odd but valid input gives no suggestions."""

from __future__ import annotations

import pytest

from spansuggest import OptionError, Selection, get_matcher
from spansuggest.matchers import available_matchers, declared_options, get_factory
from spansuggest.matchers.fuzzy import FuzzyMatcher


def test_fuzzy_registered_by_name() -> None:
    assert "fuzzy" in available_matchers()
    assert get_factory("fuzzy") is FuzzyMatcher
    assert {o.name for o in declared_options(FuzzyMatcher)} == {
        "max_edits", "edit_ratio", "min_score", "case", "case_sensitive", "name_guard", "abbreviations", "inflections",
        "accent_sensitive", "normalize", "whole_word", "overlaps"}


def test_fuzzy_defaults() -> None:
    assert dict(get_matcher("fuzzy").options) == {
        "max_edits": 2, "edit_ratio": 0.25, "min_score": 0.0, "case": "smart", "case_sensitive": None,
        "name_guard": True, "abbreviations": True, "inflections": True, "accent_sensitive": False,
        "normalize": False, "whole_word": True, "overlaps": "best-score"}


def test_fuzzy_options_from_strings() -> None:
    matcher = get_matcher("fuzzy", max_edits="1", edit_ratio="0.5", min_score="0.8", case_sensitive="yes")
    assert (matcher.options["max_edits"], matcher.options["edit_ratio"], matcher.options["min_score"],
            matcher.options["case_sensitive"]) == (1, 0.5, 0.8, True)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"max_edits": -1}, "must be in"), ({"max_edits": 9}, "must be in"), ({"max_edits": 1.5}, "expects int"),
     ({"max_edits": "two"}, "expects int"), ({"edit_ratio": 0.9}, "must be in"), ({"min_score": 1.5}, "must be in"),
     ({"min_score": "high"}, "expects float"), ({"whole_word": "maybe"}, "expects bool"),
     ({"overlaps": "longest"}, "must be one of"), ({"k": 1}, "no option 'k'.*max_edits")],
)
def test_fuzzy_bad_option(options: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        get_matcher("fuzzy", **options)


@pytest.mark.parametrize(
    "selection",
    [Selection(-1, 3, "X"), Selection(3, 2, "X"), Selection(0, 99, "X"), Selection(0, 2.0, "X"),
     Selection(True, 2, "X"), Selection(0, 2, "")],
)
def test_fuzzy_bad_selection_raises_value_error(selection: Selection) -> None:
    with pytest.raises(ValueError):
        get_matcher("fuzzy").match("Acme Corp", [selection])


@pytest.mark.parametrize("selection", [Selection(4, 5, "X"), Selection(0, 0, "X"), Selection.pattern(" \t", "X")])
def test_fuzzy_blank_selection_suggests_nothing(selection: Selection) -> None:
    assert get_matcher("fuzzy").match("Acme Corp Acme", [selection]) == []


def test_fuzzy_no_selections_and_empty_or_tiny_text() -> None:
    matcher = get_matcher("fuzzy")
    assert matcher.match("Acme", []) == []
    assert matcher.match("", [Selection.pattern("Acme Corp", "ORG")]) == []
    assert matcher.match("Acm", [Selection.pattern("Acme Corp", "ORG")]) == []
    assert [s.text for s in matcher.match("Acme", [Selection.pattern("Acmé", "ORG")])] == ["Acme"]


def test_fuzzy_seed_of_punctuation_only() -> None:
    got = get_matcher("fuzzy").match("... and ... or ..", [Selection(0, 3, "X")])
    assert [(s.start, s.end) for s in got] == [(8, 11)]

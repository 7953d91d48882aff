"""Bad options and bad selections give clear errors; odd but valid input gives no suggestions."""

from __future__ import annotations

import pytest

from spansuggest import OptionError, Selection, get_matcher
from spansuggest.matchers import UnknownMatcherError


def test_exact_unknown_option_names_known_ones() -> None:
    with pytest.raises(OptionError, match="no option 'casing'.*case_sensitive"):
        get_matcher("exact", casing=False)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"case_sensitive": "maybe"}, "expects bool"), ({"whole_word": 2}, "expects bool"),
     ({"overlaps": "first"}, "must be one of")],
)
def test_exact_ill_typed_option(options: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        get_matcher("exact", **options)


def test_unknown_matcher_lists_available() -> None:
    with pytest.raises(UnknownMatcherError, match="available: .*exact"):
        get_matcher("nope")


@pytest.mark.parametrize(
    "selection",
    [Selection(-1, 3, "X"), Selection(3, 2, "X"), Selection(0, 99, "X"), Selection(0, 2.0, "X"),
     Selection(True, 2, "X"), Selection(0, 2, "")],
)
def test_exact_bad_selection_raises_value_error(selection: Selection) -> None:
    with pytest.raises(ValueError):
        get_matcher("exact").match("Acme Corp", [selection])


@pytest.mark.parametrize("selection", [Selection(4, 5, "X"), Selection(0, 0, "X"), Selection.pattern("  ", "X")])
def test_exact_blank_selection_suggests_nothing(selection: Selection) -> None:
    assert get_matcher("exact").match("Acme Corp Acme", [selection]) == []


def test_exact_no_selections_and_empty_text() -> None:
    assert get_matcher("exact").match("Acme", []) == []
    assert get_matcher("exact").match("", [Selection.pattern("Acme", "ORG")]) == []


def test_exact_huge_selection_is_fine() -> None:
    text = "word " * 200_000
    assert get_matcher("exact").match(text, [Selection(0, len(text) - 1, "X")]) == []

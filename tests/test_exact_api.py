"""The public Python API of the exact matcher: names, options, result shape."""

from __future__ import annotations

import spansuggest
from spansuggest import Selection, Suggestion, get_matcher
from spansuggest.matchers import available_matchers, declared_options, get_factory
from spansuggest.matchers.base import Matcher


def test_exact_is_registered_by_entry_point() -> None:
    assert "exact" in available_matchers()
    assert isinstance(get_matcher("exact"), Matcher)


def test_exact_options_declared_once() -> None:
    names = [o.name for o in declared_options(get_factory("exact"))]
    assert names == ["case", "case_sensitive", "whole_word", "normalize", "name_guard", "abbreviations",
                     "inflections", "overlaps"]
    assert dict(get_matcher("exact").options) == {
        "case": "smart", "case_sensitive": None, "whole_word": True, "normalize": False, "name_guard": True,
        "abbreviations": True, "inflections": True, "overlaps": "leftmost-longest"}


def test_exact_options_coerced_from_strings() -> None:
    matcher = get_matcher("exact", case_sensitive="false", whole_word="yes")
    assert matcher.options["case_sensitive"] is False and matcher.options["whole_word"] is True


def test_exact_suggestion_shape() -> None:
    text = "Acme Corp hired Bob. ACME CORP grew."
    (s,) = get_matcher("exact", case_sensitive=False).match(text, [Selection(0, 9, "ORG")])
    assert s == Suggestion(21, 30, "ORG", "ACME CORP", 0.9, "exact", "case", 0)
    assert s._asdict()["text"] == text[s.start : s.end]


def test_package_exports_readme_names() -> None:
    for name in ["get_matcher", "Selection", "Suggestion", "Matcher", "__version__"]:
        assert hasattr(spansuggest, name)

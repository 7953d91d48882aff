"""Every built-in matcher passes the conformance suite, and the suite catches each kind of violation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import pytest

from spansuggest.matchers import PluginError, available_matchers, get_matcher
from spansuggest.matchers.exact import ExactMatcher
from spansuggest.testing import check_matcher
from spansuggest.types import Selection, Suggestion

FAST_OPTIONS: dict[str, dict[str, Any]] = {"transformer": {"candidates": "rule", "window": 64, "stride": 48}}
"""Options that keep a slow matcher quick on the battery's small documents (the rules are the same)."""
SLOW = {"transformer"}
"""Matchers that run a model: fewer random cases, and left out of the combination test (tested alone)."""


def built_in(name: str) -> Any:
    """Build ``name`` with its fast options; a matcher whose optional dependencies are missing is skipped."""
    try:
        return get_matcher(name, **FAST_OPTIONS.get(name, {}))
    except (ImportError, PluginError) as exc:
        pytest.skip(f"{name} cannot be built here: {exc}")


@pytest.mark.parametrize("name", available_matchers())
def test_conformance_built_in_matcher(name: str) -> None:
    check_matcher(built_in(name), random_cases=10 if name in SLOW else 30)


@pytest.mark.parametrize(
    "options",
    [{"case_sensitive": False, "normalize": True, "whole_word": False}, {"overlaps": "allow", "whole_word": False}],
)
def test_conformance_exact_with_every_folding(options: dict[str, Any]) -> None:
    check_matcher(ExactMatcher(**options))


def test_conformance_combined_built_ins() -> None:
    names = [n for n in available_matchers() if n not in SLOW]
    if len(names) < 2:
        pytest.skip("fewer than two quick built-in matchers: nothing to combine")
    try:
        matcher = get_matcher("+".join(names))
    except (ImportError, PluginError) as exc:
        pytest.skip(f"cannot build the combination here: {exc}")
    check_matcher(matcher)


class Broken:
    """A matcher that breaks one property on demand; everything else it does right (it is the exact matcher)."""

    options: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, flaw: str) -> None:
        self.name, self.flaw, self.inner = "broken", flaw, ExactMatcher(case_sensitive=False, whole_word=False)
        self.calls = 0

    def match(self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()) -> list[Suggestion]:
        self.calls += 1
        if self.flaw == "crash" and "\r\n" in text:
            raise KeyError("boom")
        if self.flaw == "index-error" and any(s.end > len(text) for s in selections):
            raise IndexError("past end")
        if self.flaw == "no-validation":
            return []
        out = self.inner.match(text, selections, exclude=exclude)
        if self.flaw == "half-char" and "\u0301" in text and selections:
            mark = text.index("\u0301")
            return [Suggestion(mark - 1, mark, selections[0].label, text[mark - 1], 0.5, self.name)]
        if not out:
            return out
        first = out[0]
        if self.flaw == "text":
            out[0] = first._replace(text=first.text + "!")
        elif self.flaw == "score":
            out[0] = first._replace(score=1.5)
        elif self.flaw == "label":
            out[0] = first._replace(label="OTHER")
        elif self.flaw == "seed":
            sel = next(s for s in selections if s.end > s.start)
            out.append(first._replace(start=sel.start, end=sel.end, text=text[sel.start : sel.end]))
            out.sort()
        elif self.flaw == "overlap" and first.end - first.start > 1:
            out.insert(1, first._replace(start=first.start + 1, text=text[first.start + 1 : first.end]))
        elif self.flaw == "order":
            out.reverse()
            out.append(first)
        elif self.flaw == "nondeterministic":
            out[0] = first._replace(score=1.0 / self.calls)
        return out


@pytest.mark.parametrize(
    ("flaw", "message"),
    [
        ("text", "not its text"),
        ("score", "score 1.5 is not in [0, 1]"),
        ("label", "label 'OTHER' is no selection's label"),
        ("seed", "overlaps a seed or existing region"),
        ("overlap", "overlapping suggestions"),
        ("order", "not sorted by position"),
        ("nondeterministic", "not deterministic"),
        ("half-char", "cuts a character in half"),
        ("crash", "[crlf-tabs] raised KeyError"),
        ("index-error", "raised IndexError instead of ValueError"),
        ("no-validation", "instead of raising ValueError"),
    ],
)
def test_conformance_catches_each_flaw(flaw: str, message: str) -> None:
    with pytest.raises(AssertionError, match="failed .* conformance checks") as err:
        check_matcher(Broken(flaw), random_cases=10)
    assert message in str(err.value)


def test_conformance_reports_every_failure_in_one_error() -> None:
    with pytest.raises(AssertionError) as err:
        check_matcher(Broken("score"), random_cases=10)
    lines = str(err.value).splitlines()[1:]
    assert len({line.split("]")[0] for line in lines}) > 5  # many cases, one error

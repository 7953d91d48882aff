"""Combined matchers: calibration, dedupe with agreement, overlap policy, option routing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import pytest

from spansuggest.matchers import OptionError, available_matchers, declared_options, get_factory, get_matcher, register
from spansuggest.matchers.combined import CALIBRATIONS, Calibration, CombinedMatcher
from spansuggest.matchers.exact import ExactMatcher
from spansuggest.types import Selection, Suggestion

TEXT = "Acme Corp sold Acme. ACME CORP bought acme corp."
SEED = [Selection(0, 9, "ORG")]


class Fixed:
    """A matcher that returns the same suggestions whatever it is asked (to test the merge alone)."""

    options: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, name: str, spans: Sequence[tuple[int, int, float]], label: str = "ORG") -> None:
        self.name, self.spans, self.label = name, spans, label

    def match(self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()) -> list[Suggestion]:
        return [Suggestion(s, e, self.label, text[s:e], score, self.name, "fixed") for s, e, score in self.spans]


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("spansuggest.matchers._registered", {})


def test_combined_dedupes_and_records_agreement() -> None:
    a = Fixed("a", [(15, 19, 0.6), (21, 25, 0.5)])
    b = Fixed("b", [(15, 19, 0.9)])
    out = CombinedMatcher([a, b], overlaps="allow").match(TEXT, SEED)
    assert [(s.start, s.end, s.score, s.matcher) for s in out] == [(15, 19, 0.9, "a+b"), (21, 25, 0.5, "a")]


def test_combined_calibration_maps_scores_monotonically() -> None:
    a = Fixed("a", [(15, 19, 0.9)])
    b = Fixed("b", [(21, 25, 0.9)])
    out = CombinedMatcher([a, b], calibrations={"a": "0:0,1:0.5", "b": "0.8:0,1:1"}).match(TEXT, SEED)
    assert [round(s.score, 6) for s in out] == [0.45, 0.5]
    cal = Calibration("0.2:0.1,0.6:0.6,1:0.9")
    assert [cal(x) for x in (0.0, 0.2, 0.4, 1.0)] == pytest.approx([0.1, 0.1, 0.35, 0.9])


@pytest.mark.parametrize("name", sorted(CALIBRATIONS))
def test_combined_built_in_calibrations_are_valid_for_registered_matchers(name: str) -> None:
    assert name in available_matchers()
    cal = Calibration(CALIBRATIONS[name])  # raw increasing, calibrated non-decreasing, all in [0, 1]
    assert cal(1.0) > cal(0.0)


@pytest.mark.parametrize("knots", ["", "0:0,0:1", "1:1,0:0", "0:1,1:0", "0:0,1:2", "a:b", "0:0:0"])
def test_combined_calibration_rejects_bad_knots(knots: str) -> None:
    with pytest.raises(OptionError, match="calibration"):
        Calibration(knots)


def test_combined_best_score_policy_prefers_calibrated_best() -> None:
    long_fuzzy = Fixed("fuzzy", [(15, 25, 0.7)])
    exact = Fixed("exact", [(15, 19, 1.0)])
    out = CombinedMatcher([long_fuzzy, exact], calibrations={"exact": "0:0,1:1"}).match(TEXT, SEED)
    assert [(s.start, s.end, s.matcher) for s in out] == [(15, 19, "exact")]
    out = CombinedMatcher([long_fuzzy, exact], overlaps="leftmost-longest").match(TEXT, SEED)
    assert [(s.start, s.end, s.matcher) for s in out] == [(15, 25, "fuzzy")]


def test_combined_never_returns_seed_or_excluded_even_if_a_part_does() -> None:
    rogue = Fixed("rogue", [(0, 9, 1.0), (15, 19, 1.0), (21, 30, 1.0)])
    out = CombinedMatcher([rogue, Fixed("b", [])]).match(TEXT, SEED, exclude=[(21, 22)])
    assert [(s.start, s.end) for s in out] == [(15, 19)]


def test_combined_routes_prefixed_and_shared_options(fresh_registry: None) -> None:
    class Folded(ExactMatcher):
        name = "folded"

    register("folded", Folded)
    m = get_matcher("exact+folded", whole_word="false", **{"folded.case_sensitive": "false", "exact.case": "sensitive"})
    assert m.options["exact.whole_word"] is False and m.options["folded.whole_word"] is False
    assert m.options["exact.case_sensitive"] is None and m.options["folded.case_sensitive"] is False
    assert m.options["exact.case"] == "sensitive"
    assert m.options["exact.overlaps"] == "allow" and m.options["overlaps"] == "best-score"
    prefixed_wins = get_matcher("exact+folded", **{"exact.whole_word": True}, whole_word=False)
    assert prefixed_wins.options["exact.whole_word"] is True and prefixed_wins.options["folded.whole_word"] is False
    out = m.match(TEXT, SEED)
    assert [(s.text, s.matcher, s.reason) for s in out] == [("ACME CORP", "folded", "case"), ("acme corp", "folded", "case")]


def test_combined_declares_options_for_the_cli(fresh_registry: None) -> None:
    class Folded(ExactMatcher):
        name = "folded"

    register("folded", Folded)
    names = [o.name for o in declared_options(get_factory("exact+folded"))]
    assert names[:5] == ["overlaps", "case", "case_sensitive", "whole_word", "normalize"]
    assert {"exact.case_sensitive", "folded.overlaps", "exact.calibration", "folded.calibration"} <= set(names)
    assert next(o for o in declared_options(get_factory("exact+folded")) if o.name == "case_sensitive").default is None


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"nope": 1}, "has no option 'nope'"),
        ({"other.case_sensitive": True}, "names no part"),
        ({"exact.case_sensitive": "maybe"}, "expects bool"),
        ({"overlaps": "sideways"}, "must be one of"),
        ({"exact.calibration": "1:0,0:1"}, "calibration"),
    ],
)
def test_combined_bad_options_fail_at_build(options: dict[str, Any], error: str, fresh_registry: None) -> None:
    class Folded(ExactMatcher):
        name = "folded"

    register("folded", Folded)
    with pytest.raises(OptionError, match=error):
        get_matcher("exact+folded", **options)


def test_combined_rejects_duplicate_or_single_parts() -> None:
    with pytest.raises(OptionError, match="two or more different"):
        CombinedMatcher([ExactMatcher(), ExactMatcher()])
    with pytest.raises(OptionError, match="two or more different"):
        CombinedMatcher([ExactMatcher()])
    with pytest.raises(OptionError, match="not a part"):
        CombinedMatcher({"a": ExactMatcher(), "b": ExactMatcher()}, calibrations={"c": "0:0,1:1"})

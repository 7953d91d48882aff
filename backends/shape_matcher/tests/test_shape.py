"""The shape plugin: found through its entry point, conformant, and finding what it promises."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from shape_matcher import ShapeMatcher, shape_pattern

from spansuggest.cli.matchers import matchers
from spansuggest.matchers import get_matcher, matcher_infos
from spansuggest.testing import check_matcher
from spansuggest.types import Selection

TEXT = "Paid INV-2024-0193 and INV-2023-0007 (not INV-23-7, not inv-2024-0193) on 2024-03-01."


def test_shape_found_through_entry_point() -> None:
    assert isinstance(get_matcher("shape"), ShapeMatcher)
    info = next(i for i in matcher_infos() if i.name == "shape")
    assert (info.package, info.version, info.error) == ("spansuggest-shape-matcher", "0.1.0", None)
    listing = CliRunner().invoke(matchers).output
    assert "shape  (spansuggest-shape-matcher 0.1.0)" in listing and "exact_length (bool" in listing


@pytest.mark.parametrize("options", [{}, {"exact_length": False, "whole_word": False}, {"overlaps": "allow"}])
def test_shape_passes_conformance(options: dict) -> None:
    check_matcher(get_matcher("shape", **options))


def test_shape_passes_conformance_combined_with_exact() -> None:
    check_matcher(get_matcher("exact+shape"))


def test_shape_pattern_runs() -> None:
    assert shape_pattern("INV-2024-0193") == r"\p{Lu}{3}\-\p{Nd}{4}\-\p{Nd}{4}"
    assert shape_pattern("Acme  Co", exact_length=False) == r"\p{Lu}+\p{Ll}+\s+\p{Lu}+\p{Ll}+"


def test_shape_finds_same_shape_only() -> None:
    found = get_matcher("shape").match(TEXT, [Selection(5, 18, "INVOICE")])
    assert [s.text for s in found] == ["INV-2023-0007"]
    loose = get_matcher("shape", exact_length=False).match(TEXT, [Selection(5, 18, "INVOICE")])
    assert [s.text for s in loose] == ["INV-2023-0007", "INV-23-7"]
    assert loose[1].score == pytest.approx(8 / 13)


def test_shape_combined_with_exact_ranks_exact_first() -> None:
    text = "Acme met Acme and Initech."
    found = get_matcher("exact+shape", **{"shape.exact_length": False}).match(text, [Selection(0, 4, "ORG")])
    assert [(s.text, s.matcher) for s in found] == [("Acme", "exact+shape"), ("Initech", "shape")]
    assert found[0].score > found[1].score


def test_shape_bad_option_fails_at_build() -> None:
    with pytest.raises(ValueError, match="expects bool"):
        get_matcher("shape", exact_length="sometimes")

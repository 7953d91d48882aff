"""The planted-variants document generator: deterministic, offsets exact, kinds as documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from corpora.planted import KINDS, main, planted_document

SHARED_TEXTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "texts"


@pytest.fixture(scope="module")
def doc():
    return planted_document(300_000, every=500, seed=3)


def test_planted_offsets_round_trip(doc) -> None:
    assert doc.plants
    assert all(doc.text[p.start : p.end] == p.text for p in doc.plants)
    assert all(a.end < b.start for a, b in zip(doc.plants, doc.plants[1:]))


def test_planted_at_word_boundaries(doc) -> None:
    for p in doc.plants:
        assert doc.text[p.start - 1].isspace()
        assert doc.text[p.end] in " .,;"


def test_planted_every_kind_present(doc) -> None:
    assert {p.kind for p in doc.plants} == set(KINDS)


@pytest.mark.parametrize(("kind", "low", "high"), [("exact", 0, 0), ("typo1", 1, 1), ("typo2", 2, 2),
                                                   ("punct", 1, 1), ("space", 1, 1), ("accent", 1, 1),
                                                   ("decoy", 3, 99)])
def test_planted_edit_distance_per_kind(doc, kind: str, low: int, high: int) -> None:
    for p in (p for p in doc.plants if p.kind == kind):
        assert low <= Levenshtein.distance(p.text.casefold(), doc.name.casefold()) <= high, p


def test_planted_case_differs_only_in_case(doc) -> None:
    for p in (p for p in doc.plants if p.kind == "case"):
        assert p.text != doc.name and p.text.casefold() == doc.name.casefold()


def test_planted_is_deterministic() -> None:
    assert planted_document(20_000, seed=7, every=300) == planted_document(20_000, seed=7, every=300)
    assert planted_document(20_000, seed=7, every=300).text != planted_document(20_000, seed=8, every=300).text


def test_planted_base_text_is_repeated() -> None:
    doc = planted_document(5_000, "Zeta", base_text="One two three.", every=400)
    assert len(doc.text) >= 4_900 and doc.text.startswith("One two three.")
    assert {p.kind for p in doc.plants} <= set(KINDS) - {"space"}  # a one-word name has no space variant


def test_planted_source_dir(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Second file text.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("First file text.", encoding="utf-8")
    doc = planted_document(2_000, source_dir=tmp_path, every=10_000)
    assert doc.text.startswith("First file text.\n\nSecond file text.")


def test_planted_shared_corpus_when_present() -> None:
    if not SHARED_TEXTS.is_dir():
        pytest.skip("../shared/corpora/texts is absent")
    doc = planted_document(200_000, source_dir=SHARED_TEXTS, every=2_000)
    assert len(doc.plants) > 50 and all(doc.text[p.start : p.end] == p.text for p in doc.plants)


@pytest.mark.parametrize(
    "kwargs",
    [dict(size=0), dict(every=0), dict(name=" Acme"), dict(name=""), dict(name="Acme."),
     dict(base_text="  "), dict(base_text="x", source_dir=".")],
)
def test_planted_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        planted_document(**kwargs)


def test_planted_cli_writes_text_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "doc.txt"
    main(["--size", "20000", "--every", "1000", "--out", str(out)])
    with out.open(encoding="utf-8", newline="") as fh:
        text = fh.read()
    truth = [json.loads(line) for line in out.with_suffix(".truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert truth and all(text[t["start"] : t["end"]] == t["text"] for t in truth)

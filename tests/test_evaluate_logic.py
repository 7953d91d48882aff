"""The seed protocol, its averages and the simulated session on hand-made gold with answers worked out by hand.

``tests/data/evaluate_gold.jsonl`` holds two documents:

- ``people``: "Anna met Bob. Anna saw Anna Smith. Bob is here." — PER mentions Anna, Bob, Anna, the nested
  pair "Anna Smith" ⊃ "Smith", Bob; no entity ids, so the groups are "anna" (2) and "bob" (2).
- ``places``: "New York Times reported on New York. The Times is in New York." — ORG "New York Times" and
  "Times" share entity ``nyt``; LOC "New York" (three times, the first nested in the ORG) is entity ``ny``.

With the exact matcher: seed Anna@0 suggests Anna@14 (right) and the "Anna" of "Anna Smith" (wrong); seed
Bob@9 suggests Bob@35 (right); seed "New York Times" finds nothing (its other mention is "Times"); seed
"New York"@0 suggests both later ones (right).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from spansuggest import get_matcher
from spansuggest.evaluate import (
    GoldDocument,
    GoldSpan,
    Protocol,
    Scores,
    entity_groups,
    evaluate,
    plan_trials,
    read_gold,
    simulate,
    simulate_document,
)
from spansuggest.types import Suggestion

DATA = Path(__file__).parent / "data"
GOLD = DATA / "evaluate_gold.jsonl"


@pytest.fixture(scope="module")
def docs() -> list[GoldDocument]:
    return list(read_gold(GOLD))


LITERAL = {"case": "sensitive", "name_guard": False, "abbreviations": False, "inflections": False}
"""The exact matcher as plain literal search (every whole-word, case-sensitive occurrence): the answers above."""


@pytest.fixture(scope="module")
def exact():
    return get_matcher("exact", **LITERAL)


def approx(scores: Scores) -> tuple:
    return tuple(pytest.approx(x) if isinstance(x, float) else x for x in scores)


def test_entity_groups_use_entity_id_else_label_and_lowercased_surface(docs):
    people, places = docs
    assert entity_groups(people) == [
        [GoldSpan(0, 4, "PER"), GoldSpan(14, 18, "PER")],
        [GoldSpan(9, 12, "PER"), GoldSpan(35, 38, "PER")],
        [GoldSpan(23, 33, "PER")],
        [GoldSpan(28, 33, "PER")],
    ]
    assert entity_groups(places) == [
        [GoldSpan(0, 14, "ORG", "nyt"), GoldSpan(41, 46, "ORG", "nyt")],
        [GoldSpan(0, 8, "LOC", "ny"), GoldSpan(27, 35, "LOC", "ny"), GoldSpan(53, 61, "LOC", "ny")],
    ]


def test_entity_groups_merge_surfaces_case_insensitively_per_label():
    doc = GoldDocument(
        "d", "Acme and ACME and acme", (GoldSpan(0, 4, "ORG"), GoldSpan(9, 13, "ORG"), GoldSpan(18, 22, "PER"))
    )
    assert entity_groups(doc) == [[GoldSpan(0, 4, "ORG"), GoldSpan(9, 13, "ORG")], [GoldSpan(18, 22, "PER")]]


def test_evaluate_scores_hand_computed_overall_micro(docs, exact):
    report = evaluate(docs, exact)
    # entity hits 1+1+0+2 of 1+1+1+2; type hits 1+1+0+2 of 5+5+1+2; correct 4 of 5 suggestions; 4 groups
    assert approx(report.overall) == (4 / 5, 4 / 13, 4 / 5, 5 / 4, (4 - 1) / 4, 4)


def test_evaluate_scores_hand_computed_per_label(docs, exact):
    report = evaluate(docs, exact)
    assert list(report.labels) == ["LOC", "ORG", "PER"]
    assert approx(report.labels["PER"]) == (1.0, 2 / 10, 2 / 3, 3 / 2, 1 / 2, 2)
    assert approx(report.labels["LOC"]) == (1.0, 1.0, 1.0, 2.0, 2.0, 1)
    assert approx(report.labels["ORG"]) == (0.0, 0.0, None, 0.0, 0.0, 1)


def test_evaluate_macro_is_mean_of_labels_skipping_undefined(docs, exact):
    macro = evaluate(docs, exact).macro
    assert approx(macro) == (2 / 3, 1.2 / 3, (1 + 2 / 3) / 2, 3.5 / 3, 2.5 / 3, 4)


def test_evaluate_records_each_trial(docs, exact):
    people = evaluate(docs, exact).documents[0]
    anna, bob = people.trials
    assert anna.seeds == (GoldSpan(0, 4, "PER"),) and anna.others == {(14, 18)}
    assert [(s.start, s.end) for s in anna.suggestions] == [(14, 18), (23, 27)]
    assert [(s.start, s.end) for s in bob.suggestions] == [(35, 38)]


class Scripted:
    """A matcher returning fixed suggestions with the seed's label, whatever the seed."""

    name = "scripted"

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.options: dict = {}
        self.spans = spans
        self.calls: list[list] = []
        self.excludes: list[list] = []

    def match(self, text, selections, *, exclude=()):
        self.calls.append(list(selections))
        self.excludes.append(sorted(exclude))
        label = selections[0].label
        return [Suggestion(s, e, label, text[s:e], 1.0, self.name) for s, e in self.spans]


def test_evaluate_precision_counts_gold_spans_of_other_groups_as_correct():
    doc = GoldDocument(
        "d",
        "Ann Bo Ann Cy",
        (GoldSpan(0, 3, "PER"), GoldSpan(4, 6, "PER"), GoldSpan(7, 10, "PER"), GoldSpan(11, 13, "LOC")),
    )
    report = evaluate([doc], Scripted([(4, 6), (11, 13)]))
    # Bo is a PER mention of another entity: correct, a type hit, no entity hit; Cy is LOC: wrong for PER
    assert approx(report.overall) == (0.0, 1 / 2, 1 / 2, 2.0, 0.0, 1)


def test_evaluate_entity_id_group_spanning_labels_seeds_with_first_label():
    doc = GoldDocument("d", "Rome and Rome", (GoldSpan(0, 4, "GPE", "r"), GoldSpan(9, 13, "LOC", "r")))
    matcher = Scripted([(9, 13)])
    report = evaluate([doc], matcher)
    assert matcher.calls[0][0].label == "GPE"
    # same-entity hit by offsets; no GPE mention left for type recall; LOC gold is not a GPE span: wrong
    assert approx(report.labels["GPE"]) == (1.0, None, 0.0, 1.0, -1.0, 1)


def test_plan_trials_first_takes_earliest_mentions_and_skips_small_groups(docs):
    plans = plan_trials(docs[1], Protocol(seeds_per_entity=2))
    assert plans == [((GoldSpan(0, 8, "LOC", "ny"), GoldSpan(27, 35, "LOC", "ny")), frozenset({(53, 61)}))]


def test_plan_trials_random_is_reproducible_and_depends_on_rng_seed():
    text = " ".join(["Ann"] * 12)
    doc = GoldDocument("d", text, tuple(GoldSpan(4 * k, 4 * k + 3, "PER") for k in range(12)))
    draws = {tuple(plan_trials(doc, Protocol("random", 3, rng))[0][0]) for rng in range(6)}
    assert len(draws) > 1
    again = plan_trials(doc, Protocol("random", 3, 4))
    assert again == plan_trials(doc, Protocol("random", 3, 4))
    seeds, others = again[0]
    assert list(seeds) == sorted(seeds) and len(others) == 9
    assert not {(g.start, g.end) for g in seeds} & others


def test_evaluate_with_several_seeds_passes_them_all_in_one_call(docs):
    matcher = Scripted([])
    report = evaluate(docs, matcher, seeds_per_entity=2)
    assert [[(s.start, s.end) for s in call] for call in matcher.calls] == [[(0, 8), (27, 35)]]
    assert report.overall.groups == 1


def test_simulate_document_counts_clicks_hand_computed(docs, exact):
    people = simulate_document(docs[0], exact)
    # Anna@0 by hand -> Anna@14 accepted, "Anna"@23 deleted; Bob@9 by hand -> Bob@35 accepted ("Anna"@23
    # again is ignored); "Anna Smith" and the nested "Smith" by hand
    assert [(g.start, g.end) for g in people.manual] == [(0, 4), (9, 12), (23, 33), (28, 33)]
    assert [(s.start, s.end) for s in people.accepted] == [(14, 18), (35, 38)]
    assert [(s.start, s.end) for s in people.deleted] == [(23, 27)]
    assert people.calls == 4


def test_simulate_sums_per_label_and_overall(docs, exact):
    report = simulate(docs, exact)
    assert report.overall == (11, 8, 3, 7, 4, 1)
    assert report.labels["PER"] == (6, 5, 1, 4, 2, 1)
    assert report.labels["LOC"] == (3, 1, 2, 1, 2, 0)
    assert report.labels["ORG"] == (2, 2, 0, 2, 0, 0)


def test_simulate_sends_same_label_regions_as_selections_and_excludes_the_rest(docs):
    matcher = Scripted([])
    simulate_document(docs[1], matcher)
    assert [[(s.start, s.end, s.label) for s in call] for call in matcher.calls] == [
        [(0, 14, "ORG")],
        [(0, 8, "LOC")],
        [(0, 8, "LOC"), (27, 35, "LOC")],
        [(0, 14, "ORG"), (41, 46, "ORG")],
        [(0, 8, "LOC"), (27, 35, "LOC"), (53, 61, "LOC")],
    ]
    assert matcher.excludes == [[], [(0, 14)], [(0, 14)], [(0, 8), (27, 35)], [(0, 14), (41, 46)]]


def test_simulate_costs_more_than_it_saves_with_only_wrong_suggestions():
    doc = GoldDocument("d", "Ann Bo", (GoldSpan(0, 3, "PER"),))
    report = simulate([doc], Scripted([(4, 6)]))
    assert report.overall == (1, 2, -1, 1, 0, 1)


def test_summary_rows_give_a_label_named_like_a_total_its_own_scores():
    from spansuggest.report import summary_rows

    doc = GoldDocument(
        "d",
        "Ann Bo Ann. Macro and Macro and Macro.",
        (GoldSpan(0, 3, "overall"), GoldSpan(7, 10, "overall"))
        + tuple(GoldSpan(s, s + 5, "macroeconomics") for s in (12, 22, 32)),
    )
    report = evaluate([doc], Scripted([]))
    header, rows = summary_rows({"m": report})
    groups = {row[0]: row[header.index("groups")] for row in rows}
    assert groups["overall"] == groups["macroeconomics"] == "1" and groups["overall (micro)"] == "2"

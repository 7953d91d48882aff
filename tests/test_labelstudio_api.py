"""The adapter against the protocol: real Label Studio 1.23.2 captures and the examples of the protocol file."""

from __future__ import annotations

import pytest

from spansuggest import get_matcher
from spansuggest.labelstudio import model_version_for, predict
from spansuggest.matchers.exact import LITERAL

from .conftest import INTERACTIVE_COMPLETE, INTERACTIVE_TRUNCATED

EXACT = get_matcher("exact", **LITERAL)  # the literal search (issue 7 refines the defaults)
MV = model_version_for(EXACT)

# §7 of LABEL_STUDIO_PROTOCOL.md: 67 code points, an emoji before the second "Apple".
EMOJI_TEXT = "Apple hired Tim Cook 🍎. Apple stock rose; a pineapple is not APPLE."
EMOJI_CONFIG = (
    '<View><Labels name="label" toName="text"><Label value="ORG"/><Label value="PER"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)


def spans(prediction):
    return [(r["value"]["start"], r["value"]["end"]) for r in prediction["result"]]


def context_items(body):
    return ((body.get("params") or {}).get("context") or {}).get("result") or []


def check_shape(body, results):
    """What every answer must satisfy, whatever the matcher found."""
    assert len(results) == len(body["tasks"])
    for task, prediction in zip(body["tasks"], results):
        assert set(prediction) == {"result", "score", "model_version"}
        assert prediction["model_version"] == MV and isinstance(prediction["score"], float)
        text = task["data"]["text"]
        context = [i for i in context_items(body) if isinstance(i, dict)]
        taken = {i["id"] for i in context}
        existing = [(i["value"]["start"], i["value"]["end"]) for i in context]
        ids = [r["id"] for r in prediction["result"]]
        assert len(set(ids)) == len(ids) and not taken & set(ids) and not any("#" in i for i in ids)
        for r in prediction["result"]:
            value = r["value"]
            assert type(value["start"]) is int and type(value["end"]) is int
            assert text[value["start"] : value["end"]] == value["text"]
            assert (r["from_name"], r["to_name"], r["type"], r["origin"]) == ("label", "text", "labels", "prediction")
            assert isinstance(r["score"], float) and value["labels"]
            assert not any(s < value["end"] and value["start"] < e for s, e in existing)


@pytest.mark.parametrize("name", [*INTERACTIVE_COMPLETE, "predict_batch_task_open.json"])
def test_capture_complete_answered_like_careful_reference(capture, name):
    # The harness's dummy answered in "careful" mode (case-sensitive, whole words, existing spans skipped):
    # exactly what the exact matcher's defaults do, so its spans are the expected ones.
    exchange = capture(name)
    assert exchange["truncated"] is False
    body = exchange["request"]["body"]
    results = predict(body, EXACT, MV).results
    check_shape(body, results)
    expected = exchange["response"]["body"]["results"]
    assert [spans(p) for p in results] == [spans(p) for p in expected]
    assert [[r["value"]["labels"] for r in p["result"]] for p in results] == [
        [r["value"]["labels"] for r in p["result"]] for p in expected
    ]


@pytest.mark.parametrize("name", [*INTERACTIVE_TRUNCATED, "predict_batch_retrieve.json"])
def test_capture_truncated_answered_in_shape(capture, name):
    exchange = capture(name)
    assert exchange["truncated"] is True
    body = exchange["request"]["body"]
    results = predict(body, EXACT, MV).results
    check_shape(body, results)
    assert any(p["result"] for p in results) == bool(context_items(body))


def test_capture_after_accept_seeds_the_new_region(capture):
    # The truncated text still holds the new "Bob Smith" seed at [306, 315) and later mentions of it.
    body = capture("predict_interactive_after_accept.json")["request"]["body"]
    text = body["tasks"][0]["data"]["text"]
    assert text[306:315] == "Bob Smith" and context_items(body)[-1]["value"]["start"] == 306
    found = [(r["value"]["text"], r["value"]["start"]) for r in predict(body, EXACT, MV).results[0]["result"]]
    assert ("Bob Smith", 306) not in found
    assert {t for t, _ in found} == {"Bob Smith"} and len(found) == text.count("Bob Smith") - 1


def test_capture_existing_annotation_region_excluded(capture):
    body = capture("predict_interactive_existing_annotation.json")["request"]["body"]
    assert body["tasks"][0]["annotations"][0]["result"][0]["value"]["start"] == 189
    assert spans(predict(body, EXACT, MV).results[0]) == [(423, 434)]
    body["tasks"][0]["annotations"] = []
    assert spans(predict(body, EXACT, MV).results[0]) == [(189, 200), (423, 434)]


def test_emoji_example_code_point_offsets(predict_body, labels_item):
    assert len(EMOJI_TEXT) == 67
    body = predict_body(EMOJI_TEXT, [labels_item(0, 5, ["ORG"], text="Apple", id="wF5n3kX1aB")], config=EMOJI_CONFIG)
    (prediction,) = predict(body, EXACT, MV).results
    assert spans(prediction) == [(24, 29)]
    assert prediction["result"][0]["value"] == {"start": 24, "end": 29, "text": "Apple", "labels": ["ORG"]}
    assert prediction["score"] == 1.0


def test_emoji_example_case_insensitive(predict_body, labels_item):
    body = predict_body(EMOJI_TEXT, [labels_item(0, 5, ["ORG"], text="Apple", id="wF5n3kX1aB")], config=EMOJI_CONFIG)
    matcher = get_matcher("exact", case_sensitive=False)
    (prediction,) = predict(body, matcher, model_version_for(matcher)).results
    assert spans(prediction) == [(24, 29), (61, 66)]
    assert [r["value"]["text"] for r in prediction["result"]] == ["Apple", "APPLE"]
    assert (0, 5) not in spans(prediction) and (48, 53) not in spans(prediction)
    assert 0 < prediction["score"] <= 1.0


def test_accepted_suggestions_and_new_seed(predict_body, labels_item):
    # Round trip of the real UI: our suggestions come back as regions with our ids, a score and
    # origin "manual"; the newest selection is last.
    text = "Ann met Bob. Ann and Bob met Ann; Bob left."
    first = predict(predict_body(text, [labels_item(0, 3, id="seedAnn001")]), EXACT, MV).results[0]
    assert spans(first) == [(13, 16), (29, 32)]
    accepted = [{**r, "origin": "manual"} for r in first["result"]]
    context = [labels_item(0, 3, id="seedAnn001"), *accepted, labels_item(8, 11, id="seedBob002")]
    second = predict(predict_body(text, context), EXACT, MV).results[0]
    assert spans(second) == [(21, 24), (34, 37)]
    assert not {r["id"] for r in second["result"]} & {i["id"] for i in context}


def test_several_same_label_regions_new_one_last(predict_body, labels_item):
    text = "Acme and Globex; Acme, Globex and Initech. Globex!"
    context = [labels_item(0, 4, ["ORG"], id="r1"), labels_item(9, 15, ["ORG"], id="r2")]
    prediction = predict(predict_body(text, context), EXACT, MV).results[0]
    assert [(r["value"]["text"], r["value"]["start"]) for r in prediction["result"]] == [
        ("Acme", 17),
        ("Globex", 23),
        ("Globex", 43),
    ]


def test_empty_context_gives_empty_prediction(predict_body):
    outcome = predict(predict_body("Ann met Ann.", []), EXACT, MV)
    assert outcome.results == [{"result": [], "score": 0.0, "model_version": MV}] and outcome.seeds == 0


def test_annotation_and_draft_regions_excluded(predict_body, labels_item):
    text = "Ann, Ann, Ann and Ann."
    annotations = [
        {"result": [labels_item(5, 8, id="saved00001")]},
        {"was_cancelled": True, "result": [labels_item(10, 13)]},
    ]
    drafts = [{"result": [labels_item(18, 21, id="draft00001")]}]
    body = predict_body(text, [labels_item(0, 3)], annotations=annotations, drafts=drafts)
    assert spans(predict(body, EXACT, MV).results[0]) == [(10, 13)]


@pytest.mark.parametrize("params", [None, {}, {"context": None}, {"context": {}}, {"context": {"result": None}}])
def test_batch_one_empty_prediction_per_task(params):
    body = {
        "tasks": [{"id": 1, "data": {"text": "Ann"}}, {"id": 2, "data": {"text": "Bob"}}],
        "label_config": "<View/>",
    }
    if params is not None:
        body["params"] = params
    outcome = predict(body, EXACT, MV)
    assert outcome.results == [{"result": [], "score": 0.0, "model_version": MV}] * 2
    assert outcome.task_ids == [1, 2]

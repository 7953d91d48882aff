"""Hostile or broken ``/predict`` bodies at the adapter: a clear error for a wrong shape, else empty predictions."""

from __future__ import annotations

import logging

import pytest

from spansuggest import get_matcher
from spansuggest.labelstudio import LabelConfigError, RequestError, predict
from spansuggest.matchers.exact import LITERAL

EXACT = get_matcher("exact", **LITERAL)  # the literal search (issue 7 refines the defaults)
MV = "test-version"
EMPTY = {"result": [], "score": 0.0, "model_version": MV}
TEXT = "Ann met Ann. ANN and Annabel met Ann!"


@pytest.mark.parametrize(
    "body, message",
    [
        ([], "must be a JSON object"),
        ("tasks", "must be a JSON object"),
        (None, "must be a JSON object"),
        ({}, "tasks must be a non-empty list"),
        ({"tasks": []}, "tasks must be a non-empty list"),
        ({"tasks": {"id": 1}}, "tasks must be a non-empty list"),
        ({"tasks": "abc"}, "tasks must be a non-empty list"),
        ({"tasks": ["a task"]}, r"tasks\[0\] is a str"),
        ({"tasks": [{"data": {}}, 5]}, r"tasks\[1\] is a int"),
        ({"tasks": [{"data": {}}], "params": "context"}, "params must be an object"),
    ],
)
def test_body_wrong_shape_refused(body, message):
    with pytest.raises(RequestError, match=message):
        predict(body, EXACT, MV)


@pytest.mark.parametrize("config", [None, 5, {"View": []}])
def test_label_config_not_a_string_refused(predict_body, labels_item, config):
    with pytest.raises(LabelConfigError, match="label_config must be a string"):
        predict(predict_body(TEXT, [labels_item(0, 3)], config=config), EXACT, MV)


def test_label_config_entity_bomb_refused(predict_body, labels_item):
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10 if i else "boom"}">' for i in range(10))
    config = (
        f'<!DOCTYPE View [{entities}]><View><Labels name="label" toName="text"/><Text name="text" value="&e9;"/></View>'
    )
    with pytest.raises(LabelConfigError, match="DTD or entities"):
        predict(predict_body(TEXT, [labels_item(0, 3)], config=config), EXACT, MV)


@pytest.mark.parametrize(
    "data",
    [{}, {"other": TEXT}, {"text": 42}, {"text": None}, {"text": ["Ann met Ann."]}, "Ann met Ann.", None, 3],
)
def test_task_without_text_gets_empty_prediction(predict_body, labels_item, data, caplog):
    body = predict_body(TEXT, [labels_item(0, 3)])
    body["tasks"][0]["data"] = data
    with caplog.at_level(logging.INFO, logger="spansuggest.labelstudio"):
        assert predict(body, EXACT, MV).results == [EMPTY]
    assert "is not a string" in caplog.text


@pytest.mark.parametrize(
    "value, reason",
    [
        ({"start": -1, "end": 3}, "outside the text"),
        ({"start": 3, "end": 0}, "reversed"),
        ({"start": 0, "end": 0}, "empty"),
        ({"start": 0, "end": 1000}, "outside the text"),
        ({"start": 0.5, "end": 3}, "not integers"),
        ({"start": 0, "end": 3.5}, "not integers"),
        ({"start": True, "end": 3}, "not integers"),
        ({"start": "0", "end": "3"}, "not integers"),
        ({"start": None, "end": None}, "not integers"),
        ({"start": 0, "end": 3, "labels": []}, "labels"),
        ({"start": 0, "end": 3, "labels": "PER"}, "labels"),
        ({"start": 0, "end": 3, "labels": [None]}, "labels"),
    ],
)
def test_context_bad_region_skipped_with_reason(predict_body, labels_item, value, reason, caplog):
    item = labels_item(0, 3)
    item["value"].update(value)
    with caplog.at_level(logging.INFO, logger="spansuggest.labelstudio"):
        outcome = predict(predict_body(TEXT, [item]), EXACT, MV)
    assert outcome.results == [EMPTY] and outcome.seeds == 0
    assert "skipped 1 context item(s)" in caplog.text and reason in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"from_name": "unknown"},
        {"to_name": "unknown"},
        {"from_name": ["label"]},
        {"to_name": {"name": "text"}},
        {"type": "choices"},
        {"type": None},
        {"value": [0, 3]},
        {"value": None},
    ],
)
def test_context_item_not_for_us_skipped(predict_body, labels_item, change, caplog):
    with caplog.at_level(logging.INFO, logger="spansuggest.labelstudio"):
        assert predict(predict_body(TEXT, [{**labels_item(0, 3), **change}]), EXACT, MV).results == [EMPTY]
    assert "skipped 1 context item(s)" in caplog.text


@pytest.mark.parametrize("item", ["…[TRUNCATED by the harness]", None, 17, ["label"]])
def test_context_item_not_an_object_skipped(predict_body, labels_item, item):
    outcome = predict(predict_body(TEXT, [item, labels_item(0, 3)]), EXACT, MV)
    assert [r["value"]["start"] for r in outcome.results[0]["result"]] == [8, 33]


@pytest.mark.parametrize("context", ["result", 5, ["a list"], {"result": "abc"}, {"result": {"0": {}}}])
def test_context_unusable_gives_empty_prediction(predict_body, context):
    body = predict_body(TEXT, None)
    body["params"]["context"] = context
    assert predict(body, EXACT, MV).results == [EMPTY]


def test_integral_float_offsets_accepted(predict_body, labels_item):
    outcome = predict(predict_body(TEXT, [labels_item(0.0, 3.0)]), EXACT, MV)
    assert [r["value"]["start"] for r in outcome.results[0]["result"]] == [8, 33]


def test_context_with_100k_regions(predict_body, labels_item, caplog):
    text = "ab " * 100_000
    context = [labels_item(3 * i, 3 * i + 2, id=f"r{i:09d}") for i in range(100_000)]
    context += [labels_item(0, 10**9, id="bad1"), labels_item(-5, 2, id="bad2")]
    with caplog.at_level(logging.INFO, logger="spansuggest.labelstudio"):
        outcome = predict(predict_body(text, context), EXACT, MV)
    assert outcome.results == [EMPTY] and outcome.seeds == 100_000
    (line,) = [r.getMessage() for r in caplog.records if r.name == "spansuggest.labelstudio"]
    assert "skipped 2 context item(s)" in line


def test_huge_selection(predict_body, labels_item):
    text = "Acme Corporation and friends. " * 50_000
    outcome = predict(predict_body(text, [labels_item(0, len(text), ["ORG"])]), EXACT, MV)
    assert outcome.results == [EMPTY] and outcome.seeds == 1


def test_lone_surrogates_in_text_and_names(predict_body, labels_item):
    text = "Ann \ud800 met Ann \udfff."
    config = '<View><Labels name="l\ud800" toName="text"><Label value="PER"/></Labels><Text name="text" value="$text"/></View>'
    with pytest.raises(LabelConfigError):
        predict(predict_body(text, [labels_item(0, 3, from_name="l\ud800")], config=config), EXACT, MV)
    (result,) = predict(predict_body(text, [labels_item(0, 3, ["P\udc00"])]), EXACT, MV).results[0]["result"]
    assert result["value"] == {"start": 10, "end": 13, "text": "Ann", "labels": ["P\udc00"]}

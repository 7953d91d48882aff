"""The adapter's parts: label config parsing, regions, ids, model versions, seeds and exclusions."""

from __future__ import annotations

import logging
import re
from types import MappingProxyType

import pytest

from spansuggest import Suggestion, get_matcher
from spansuggest.labelstudio import (
    Control,
    LabelConfigError,
    model_version_for,
    parse_label_config,
    predict,
    read_region,
    region_id,
    saved_regions,
)
from spansuggest.matchers.exact import LITERAL

CONFIG = '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels><Text name="text" value="$text"/></View>'
CONTROL = Control("label", "text", "text", ("PER", "ORG"))
EXACT = get_matcher("exact", **LITERAL)  # the literal search (issue 7 refines the defaults)
MV = "test-version"


def spans(prediction):
    return [(r["value"]["start"], r["value"]["end"]) for r in prediction["result"]]


def test_label_config_pair_read():
    assert parse_label_config(CONFIG) == (CONTROL,)


def test_label_config_nested_views_and_several_targets():
    config = """<View>
      <View><Labels name="ner" toName="a, b,img"><View><Label value="X"/></View><Label value="Y"/></Labels></View>
      <View><Text name="a" value="$first"/><View><Text name="b" value="$second"/></View><Image name="img" value="$im"/></View>
    </View>"""
    assert parse_label_config(config) == (
        Control("ner", "a", "first", ("X", "Y")),
        Control("ner", "b", "second", ("X", "Y")),
    )


@pytest.mark.parametrize(
    "objects",
    [
        '<HyperText name="t" value="$html"/>',
        '<Paragraphs name="t" value="$dialogue" nameKey="author" textKey="text"/>',
        '<Text name="t" value="$url" valueType="url"/>',
        '<Text name="t" value="a literal text, not task data"/>',
    ],
)
def test_label_config_ignores_objects_without_inline_text(objects):
    config = f'<View><Labels name="l" toName="t"><Label value="X"/></Labels>{objects}</View>'
    assert parse_label_config(config) == ()


def test_label_config_labels_on_text_and_hypertext_keep_the_text_pair():
    config = (
        '<View><Labels name="l" toName="t,h"><Label value="X"/></Labels>'
        '<Text name="t" value="$text"/><HyperText name="h" value="$html"/></View>'
    )
    assert parse_label_config(config) == (Control("l", "t", "text", ("X",)),)


def test_label_config_parsed_once_per_string():
    config = CONFIG.replace("PER", "PERSON")
    first = parse_label_config(config)
    hits = parse_label_config.cache_info().hits
    assert parse_label_config(config) is first
    assert parse_label_config.cache_info().hits == hits + 1


@pytest.mark.parametrize(
    "config, message",
    [
        ("this is not xml", "not XML"),
        ("", "not XML"),
        ("<View><Labels></View>", "not XML"),
        ('<View><Text name="t" value="\ud800"/></View>', "not XML"),
        (
            (
                '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
                '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><View><Text name="t" value="&lol3;"/></View>'
            ),
            "DTD or entities",
        ),
        ('<!DOCTYPE View SYSTEM "file:///etc/passwd"><View/>', "DTD or entities"),
    ],
)
def test_label_config_refused_with_a_clear_error(config, message):
    with pytest.raises(LabelConfigError, match=message):
        parse_label_config(config)
    assert issubclass(LabelConfigError, ValueError)


@pytest.mark.parametrize("start, end", [(5.0, 8), (5, 8.0), (5, 8)])
def test_region_integral_offsets_accepted(start, end):
    region = read_region({"id": "x", "value": {"start": start, "end": end, "labels": ["PER"]}}, "0123456789")
    assert (region.start, region.end) == (5, 8) and all(type(x) is int for x in region[1:3])


@pytest.mark.parametrize(
    "value",
    [
        {"start": True, "end": 3},
        {"start": 0, "end": False},
        {"start": 0.5, "end": 3},
        {"start": "0", "end": "3"},
        {"start": None, "end": 3},
        {"end": 3},
        {"start": -1, "end": 3},
        {"start": 4, "end": 2},
        {"start": 3, "end": 3},
        {"start": 0, "end": 11},
        {"start": float("nan"), "end": 3},
        {"start": 0, "end": float("inf")},
    ],
)
def test_region_bad_offsets_refused(value):
    with pytest.raises(ValueError):
        read_region({"value": {**value, "labels": ["PER"]}}, "0123456789")


@pytest.mark.parametrize("labels", [[], None, "PER", [""], ["PER", 3]])
def test_region_unusable_labels_keep_the_span(labels):
    region = read_region({"value": {"start": 0, "end": 3, "labels": labels}}, "0123456789")
    assert region.labels == () and (region.start, region.end) == (0, 3)


def test_region_id_deterministic_without_hash_sign():
    rid = region_id("label", "text", 24, 29, "ORG")
    assert rid == region_id("label", "text", 24, 29, "ORG")
    assert rid.startswith("ss-") and "#" not in rid
    assert len({rid, region_id("label", "text", 24, 30, "ORG"), region_id("label", "text", 24, 29, "PER")}) == 3


def test_region_id_avoids_taken_ids():
    rid = region_id("label", "text", 24, 29, "ORG")
    other = region_id("label", "text", 24, 29, "ORG", avoid={rid})
    assert other != rid and other.startswith("ss-")
    assert other == region_id("label", "text", 24, 29, "ORG", avoid={rid})
    assert region_id("label", "text", 24, 29, "ORG", avoid={rid, other}) not in {rid, other}


def test_model_version_stable_per_name_and_options():
    version = model_version_for(get_matcher("exact"))
    assert re.fullmatch(r"spansuggest-[\w.+-]+-exact-[0-9a-f]{8}", version)
    assert version == model_version_for(get_matcher("exact", case="smart"))
    assert version != model_version_for(get_matcher("exact", case_sensitive=False))


def test_saved_regions_skip_cancelled_malformed_and_other_controls(labels_item):
    text = "Ann met Bob and Carl."
    task = {
        "annotations": [
            {"was_cancelled": False, "result": [labels_item(0, 3), labels_item(8, 11, from_name="other")]},
            {"was_cancelled": True, "result": [labels_item(16, 20)]},
            "not an annotation",
            {"result": "not a list"},
            {"result": [labels_item(3, 99), {"type": "labels"}, labels_item(8, 11, type="choices")]},
        ],
        "drafts": [{"result": [labels_item(8, 11, labels=[])]}],
    }
    assert [(r.start, r.end) for r in saved_regions(task, CONTROL, text)] == [(0, 3), (8, 11)]


def test_seed_read_from_task_data_not_value_text(predict_body, labels_item, caplog):
    text = "Berlin,  Germany is far. Berlin,  Germany again; Berlin, Germany once."
    body = predict_body(text, [labels_item(0, 16, ["ORG"], text="Berlin, Germany")])
    with caplog.at_level(logging.DEBUG, logger="spansuggest.labelstudio"):
        prediction = predict(body, EXACT, MV).results[0]
    assert spans(prediction) == [(25, 41)]
    assert prediction["result"][0]["value"]["text"] == "Berlin,  Germany"
    assert "differs from the task text" in caplog.text


def test_seed_of_whitespace_skipped_with_reason(predict_body, labels_item, caplog):
    body = predict_body("Ann \t\n Ann   Ann", [labels_item(3, 7)])
    with caplog.at_level(logging.INFO, logger="spansuggest.labelstudio"):
        outcome = predict(body, EXACT, MV)
    assert outcome.results[0]["result"] == [] and outcome.seeds == 0
    assert "the seed is only whitespace" in caplog.text


def test_seed_with_several_labels_gives_them_all(predict_body, labels_item):
    body = predict_body("Ann met Ann.", [labels_item(0, 3, ["PER", "ORG"])])
    (result,) = predict(body, EXACT, MV).results[0]["result"]
    assert result["value"]["labels"] == ["PER", "ORG"] and (result["value"]["start"], result["value"]["end"]) == (8, 11)


def test_seed_labels_of_the_newest_region_win(predict_body, labels_item):
    body = predict_body(
        "Ann met Bob. Ann, Bob.", [labels_item(0, 3, ["PER", "ORG"]), labels_item(8, 11, ["PER"], id="k")]
    )
    results = predict(body, EXACT, MV).results[0]["result"]
    assert [(r["value"]["text"], r["value"]["labels"]) for r in results] == [("Ann", ["PER"]), ("Bob", ["PER"])]


def test_several_pairs_each_answered(predict_body, labels_item):
    config = (
        '<View><Labels name="who" toName="title"><Label value="PER"/></Labels>'
        '<Labels name="what" toName="body,title"><Label value="ORG"/></Labels>'
        '<Text name="title" value="$title"/><Text name="body" value="$body"/></View>'
    )
    data = {"title": "Ann and Acme; Ann again at Acme", "body": "Acme hired Ann. Acme!"}
    context = [
        labels_item(0, 3, ["PER"], from_name="who", to_name="title", id="a1"),
        labels_item(0, 4, ["ORG"], from_name="what", to_name="body", id="a2"),
    ]
    results = predict(predict_body(None, context, config=config, data=data), EXACT, MV).results[0]["result"]
    got = sorted((r["from_name"], r["to_name"], r["value"]["start"], r["value"]["text"]) for r in results)
    assert got == [("what", "body", 16, "Acme"), ("who", "title", 14, "Ann")]


def test_suggestion_ids_never_equal_context_ids(predict_body, labels_item):
    text = "Ann met Ann."
    clash = region_id("label", "text", 8, 11, "PER")
    body = predict_body(text, [labels_item(0, 3, id=clash)])
    (result,) = predict(body, EXACT, MV).results[0]["result"]
    assert result["id"] != clash and result["id"] == region_id("label", "text", 8, 11, "PER", avoid={clash})


def test_suggestion_ids_never_equal_saved_region_ids(predict_body, labels_item):
    clash = region_id("label", "text", 8, 11, "PER")
    annotation = {"result": [labels_item(12, 15, ["ORG"], id=clash)]}
    body = predict_body("Ann met Ann. Bob", [labels_item(0, 3)], annotations=[annotation])
    (result,) = predict(body, EXACT, MV).results[0]["result"]
    assert result["id"] != clash


def test_predict_deterministic(predict_body, labels_item):
    body = predict_body("Ann met Ann, Ann and Ann.", [labels_item(0, 3)])
    first = predict(body, EXACT, MV)
    assert first == predict(body, EXACT, MV)
    assert len({r["id"] for r in first.results[0]["result"]}) == 3


class _RefusingMatcher:
    name = "refusing"
    options = MappingProxyType({})

    def match(self, text, selections, *, exclude=()):
        raise ValueError("selection offsets are wrong")


class _BrokenMatcher:
    name = "broken"
    options = MappingProxyType({})

    def match(self, text, selections, *, exclude=()):
        return [
            Suggestion(8, 11, "PER", "Ann", 1.0, self.name),
            Suggestion(8, 99, "PER", "Ann", 1.0, self.name),
            Suggestion(11, 8, "PER", "", 1.0, self.name),
            Suggestion(0, 3, "PER", "Ann", float("nan"), self.name),
        ]


def test_matcher_value_error_gives_empty_prediction(predict_body, labels_item, caplog):
    with caplog.at_level(logging.WARNING, logger="spansuggest.labelstudio"):
        outcome = predict(predict_body("Ann met Ann.", [labels_item(0, 3)]), _RefusingMatcher(), MV)
    assert outcome.results == [{"result": [], "score": 0.0, "model_version": MV}]
    assert "selection offsets are wrong" in caplog.text


def test_matcher_invalid_suggestions_dropped(predict_body, labels_item, caplog):
    with caplog.at_level(logging.ERROR, logger="spansuggest.labelstudio"):
        outcome = predict(predict_body("Ann met Ann.", [labels_item(0, 3)]), _BrokenMatcher(), MV)
    assert spans(outcome.results[0]) == [(8, 11)]
    assert caplog.text.count("invalid suggestion") == 3

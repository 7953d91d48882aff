"""Fuzzy suggestions through the doors users take: ``/predict`` (Label Studio), ``match`` and ``serve`` options."""

from __future__ import annotations

import json

from click.testing import CliRunner

from spansuggest import get_matcher
from spansuggest.cli import main

TEXT = ("Acme Corp hired Jane Doe. Later Acme Crop, Acne Corp and ACME Corp. merged; Acme  Corp and Acmé Corp "
        "too, not Acme Corporation or MegaAcme Corp. Jane Doe met Jane Dooe.")


def results(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    (prediction,) = response.get_json()["results"]
    return prediction


def test_fuzzy_predict_one_region(make_client, predict_body, labels_item):
    client = make_client(get_matcher("fuzzy"))
    body = predict_body(TEXT, [labels_item(0, 9, ["ORG"], text="Acme Corp", id="seedAcme01")])
    prediction = results(client.post("/predict", json=body))
    found = [(r["value"]["text"], r["score"]) for r in prediction["result"]]
    assert [t for t, _ in found] == ["Acme Crop", "Acne Corp", "ACME Corp", "Acme  Corp", "Acmé Corp"]
    assert all(isinstance(s, float) and 0.7 < s < 1.0 for _, s in found)
    for r in prediction["result"]:
        assert TEXT[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
        assert r["value"]["labels"] == ["ORG"] and r["origin"] == "prediction"


def test_fuzzy_predict_every_same_label_region(make_client, predict_body, labels_item):
    client = make_client(get_matcher("fuzzy"))
    jane = TEXT.index("Jane Doe")
    context = [labels_item(0, 9, ["ORG"], id="seedAcme01"), labels_item(jane, jane + 8, ["PER"], id="seedJane01"),
               labels_item(TEXT.index("Acne Corp"), TEXT.index("Acne Corp") + 9, ["ORG"], id="accepted01")]
    prediction = results(client.post("/predict", json=predict_body(TEXT, context)))
    got = [(r["value"]["text"], r["value"]["labels"]) for r in prediction["result"]]
    assert ("Jane Dooe", ["PER"]) in got and ("Jane Doe", ["PER"]) in got
    assert ("Acne Corp", ["ORG"]) not in got and ("Acme Crop", ["ORG"]) in got
    existing = [(i["value"]["start"], i["value"]["end"]) for i in context]
    assert not any(r["value"]["start"] < e and s < r["value"]["end"] for r in prediction["result"] for s, e in existing)


def test_fuzzy_health_names_the_matcher(make_client):
    body = make_client(get_matcher("fuzzy", max_edits=1)).get("/health").get_json()
    assert body["status"] == "UP" and body["model_class"] == "spansuggest:fuzzy"


def test_fuzzy_match_command_takes_declared_options(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")
    out = CliRunner().invoke(main, ["match", str(path), "--matcher", "fuzzy", "--text", "Acme Corp", "--label", "ORG",
                                    "--max-edits", "1", "--min-score", "0.8"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["Acme Corp", "Acne Corp", "ACME Corp", "Acme  Corp", "Acmé Corp"]
    assert all(r["matcher"] == "fuzzy" and r["distance"] <= 1 for r in rows)


def test_fuzzy_serve_rejects_bad_option():
    out = CliRunner().invoke(main, ["serve", "--matcher", "fuzzy", "--max-edits", "lots"])
    assert out.exit_code == 2 and "max_edits" in out.output

"""The custom backend: its matcher conforms, and its app answers Label Studio with its model version."""

from __future__ import annotations

import pytest
from acme_backend import MODEL_VERSION, AcronymMatcher, build_matcher, create_backend_app
from acme_backend.acronyms import acronym

from spansuggest.testing import check_matcher
from spansuggest.types import Selection

TEXT = "The European Central Bank (ECB) met. ECB staff and the european central bank agreed; ECBS no."
CONFIG = '<View><Labels name="label" toName="text"><Label value="ORG"/></Labels><Text name="text" value="$text"/></View>'


def predict_body(text: str, start: int, end: int) -> dict:
    seed = {
        "id": "seed1",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": ["ORG"]},
    }
    task = {"id": 1, "data": {"text": text}, "annotations": [], "drafts": [], "predictions": []}
    return {"tasks": [task], "label_config": CONFIG, "project": "1.1", "params": {"context": {"result": [seed]}}}


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("European Central Bank", "ECB"), ("Securities and Exchange Commission", "SEC"), ("Acme", None), ("  ", None)],
)
def test_acronym_initials(phrase: str, expected: str | None) -> None:
    assert acronym(phrase) == expected


def test_acronym_matcher_conforms() -> None:
    check_matcher(AcronymMatcher())
    check_matcher(build_matcher())


def test_backend_matcher_merges_exact_and_acronyms() -> None:
    found = build_matcher(case_sensitive=False).match(TEXT, [Selection(4, 25, "ORG")])
    # "(ECB)" defines the abbreviation in the text, so spansuggest's exact matcher agrees on it too.
    assert [(s.text, s.matcher) for s in found] == [
        ("ECB", "exact+acronym"),
        ("ECB", "exact+acronym"),
        ("european central bank", "exact"),
    ]
    assert found[2].score > found[0].score


def test_backend_app_predicts_with_its_model_version() -> None:
    client = create_backend_app().test_client()
    assert client.get("/versions").get_json() == {"versions": [MODEL_VERSION]}
    response = client.post("/predict", json=predict_body(TEXT, 4, 25))
    assert response.status_code == 200
    (prediction,) = response.get_json()["results"]
    assert prediction["model_version"] == MODEL_VERSION
    spans = [(r["value"]["start"], r["value"]["end"], r["value"]["labels"]) for r in prediction["result"]]
    assert [TEXT[s:e] for s, e, _ in spans] == ["ECB", "ECB", "european central bank"]
    assert all(labels == ["ORG"] for _, _, labels in spans)


def test_backend_app_rejects_bad_body_without_500() -> None:
    response = create_backend_app().test_client().post("/predict", data="not json", content_type="application/json")
    assert 400 <= response.status_code < 500

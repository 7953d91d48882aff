"""The spaCy component: seeds from doc.ents or a span group, suggestions as a scored span group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from spansuggest.matchers import OptionError

TEXT = "Acme Corp sold ACME CORP to acme corp. Acmeco and Acme Corp's rival."


def pipeline(**config):
    nlp = spacy.blank("en")
    nlp.add_pipe("span_suggester", config=config)
    return nlp


def seeded(nlp, text=TEXT, *, key=None, span=(0, 9, "ORG")):
    doc = nlp.make_doc(text)
    seed = doc.char_span(*span)
    if key is None:
        doc.ents = [seed]
    else:
        doc.spans[key] = [seed]
    return doc


def test_spacy_component_found_through_entry_point_without_import() -> None:
    code = (
        "import spacy, sys\n"
        "nlp = spacy.blank('en'); nlp.add_pipe('span_suggester')\n"
        "assert 'spansuggest.spacy_component' in sys.modules\n"
        "print(nlp.pipe_names)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['span_suggester']"


def test_spacy_component_suggests_from_ents_with_scores() -> None:
    nlp = pipeline(options={"case_sensitive": False})
    doc = nlp(seeded(nlp))
    group = doc.spans["suggested"]
    assert [(s.text, s.label_, s.start_char) for s in group] == [
        ("ACME CORP", "ORG", 15),
        ("acme corp", "ORG", 28),
        ("Acme Corp", "ORG", 50),
    ]
    assert group.attrs["scores"] == [0.9, 0.9, 1.0]
    assert group.attrs["matchers"] == ["exact", "exact", "exact"]


def test_spacy_component_reads_seeds_from_span_group_and_skips_entities() -> None:
    nlp = pipeline(seeds_key="seeds", spans_key="out", matcher="exact", options={"case_sensitive": False})
    doc = seeded(nlp, key="seeds")
    doc.ents = [doc.char_span(15, 24, "ORG")]  # an existing entity is never suggested
    doc = nlp(doc)
    assert [s.text for s in doc.spans["out"]] == ["acme corp", "Acme Corp"]
    assert "suggested" not in doc.spans


def test_spacy_component_without_seeds_writes_empty_group() -> None:
    nlp = pipeline(seeds_key="seeds")
    doc = nlp(TEXT)
    assert len(doc.spans["suggested"]) == 0 and doc.spans["suggested"].attrs["scores"] == []


def test_spacy_component_works_with_pipe() -> None:
    nlp = pipeline()
    docs = [seeded(nlp, t, span=(0, 4, "ORG")) for t in ["Acme and Acme.", "Acme, Acme, Acme", "Acme alone"]]
    out = list(nlp.pipe(docs, batch_size=2))
    assert [len(d.spans["suggested"]) for d in out] == [1, 2, 0]


@pytest.mark.parametrize(("mode", "expected"), [("strict", []), ("expand", ["Acmeco"])])
def test_spacy_component_alignment_of_partial_words(mode: str, expected: list[str]) -> None:
    nlp = pipeline(options={"whole_word": False}, alignment_mode=mode)
    doc = nlp(seeded(nlp, "Acme Inc bought Acmeco.", span=(0, 4, "ORG")))
    assert [s.text for s in doc.spans["suggested"]] == expected


def test_spacy_component_combined_matcher() -> None:
    nlp = pipeline(matcher="exact+fuzzy", options={"case_sensitive": False})
    doc = nlp(seeded(nlp))
    assert [s.text for s in doc.spans["suggested"]][:2] == ["ACME CORP", "acme corp"]
    assert all(0.0 <= x <= 1.0 for x in doc.spans["suggested"].attrs["scores"])


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"options": {"nope": 1}}, OptionError),
        ({"options": {"case_sensitive": "maybe"}}, OptionError),
        ({"alignment_mode": "sideways"}, ValueError),
    ],
)
def test_spacy_component_bad_config_fails_at_add_pipe(config: dict, error: type) -> None:
    with pytest.raises(error):
        pipeline(**config)


def test_spacy_component_survives_save_and_load(tmp_path: Path) -> None:
    nlp = pipeline(options={"case_sensitive": False}, spans_key="found")
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    doc = loaded(seeded(loaded))
    assert [s.text for s in doc.spans["found"]] == ["ACME CORP", "acme corp", "Acme Corp"]

"""``spansuggest evaluate`` and the Python API from the outside: gold formats, CLI output, HTML pages."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from spansuggest import Selection, get_matcher
from spansuggest import matchers as matchers_registry
from spansuggest.cli.evaluate import evaluate as evaluate_command
from spansuggest.evaluate import GoldDocument, GoldSpan, evaluate, read_gold, simulate
from spansuggest.matchers.exact import ExactMatcher
from spansuggest.report import KINDS, Mark, marks_html, render_document_html, render_report_html
from spansuggest.types import Suggestion

DATA = Path(__file__).parent / "data"
GOLD = DATA / "evaluate_gold.jsonl"
EXPORT = DATA / "evaluate_labelstudio_export.json"
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
SCORE_KEYS = {"entity_recall", "type_recall", "precision", "suggestions", "clicks_saved"}


class Marks(HTMLParser):
    """Collects, from ``<div class="text">`` blocks, the text and every mark's (start, end, kind, label) -> text."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.marks: dict[tuple[int, int, str, str], str] = {}
        self.open: list[tuple | None] = []
        self.depth = 0  # > 0 inside a text block

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("class") == "text":
            self.depth = 1
            self.texts.append("")
        elif self.depth:
            self.depth += 1
            key = (int(a["data-start"]), int(a["data-end"]), a["class"], a["data-label"]) if tag == "mark" else None
            self.open.append(key)
            if key is not None:
                self.marks.setdefault(key, "")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if self.depth:
                self.open.pop()

    def handle_data(self, data):
        if self.depth:
            self.texts[-1] += data
            for key in set(filter(None, self.open)):
                self.marks[key] += data


def parse_marks(page: str) -> Marks:
    parser = Marks()
    parser.feed(page)
    parser.close()
    assert parser.open == [] and parser.depth == 0, "unbalanced markup"
    return parser


ISSUE2 = {"case": "sensitive", "name_guard": False, "abbreviations": False, "inflections": False}
"""The exact matcher as issue 2 left it (literal, case-sensitive); issue 7 changed its defaults."""
ISSUE2_ARGS = ["--case", "sensitive", "--no-name-guard", "--no-abbreviations", "--no-inflections"]


def run(*args: str) -> str:
    result = CliRunner().invoke(evaluate_command, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_read_gold_labelstudio_export_takes_first_completed_annotation():
    docs = list(read_gold(EXPORT))
    jsonl = next(read_gold(GOLD))
    assert [d.id for d in docs] == ["11", "13"]  # task 12 has no annotation yet
    assert docs[0].text == jsonl.text and docs[0].entities == jsonl.entities  # the cancelled ORG one is ignored
    assert docs[1] == GoldDocument(
        "13", "Ann and Ann.", (GoldSpan(0, 3, "NAME"), GoldSpan(0, 3, "PER"), GoldSpan(8, 11, "PER"))
    )


def test_read_gold_text_key_picks_the_task_field(tmp_path):
    path = tmp_path / "tasks.json"
    task = {
        "data": {"title": "x", "body": "Ann and Ann"},
        "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 3, "labels": ["PER"]}}]}],
    }
    path.write_text(json.dumps([task]))
    assert next(read_gold(path, text_key="body")).entities == (GoldSpan(0, 3, "PER"),)


def test_read_gold_mention_type_keeps_those_mentions(tmp_path):
    path = tmp_path / "gold.jsonl"
    entities = [
        {"start": 0, "end": 3, "label": "PER", "mention_type": "PROP"},
        {"start": 8, "end": 15, "label": "PER", "mention_type": "NOM"},
    ]
    path.write_text(json.dumps({"id": "d", "text": "Ann and the man", "entities": entities}) + "\n")
    assert next(read_gold(path, mention_type="PROP")).entities == (GoldSpan(0, 3, "PER"),)
    assert next(read_gold(path)).labeled_spans() == {(0, 3, "PER"), (8, 15, "PER")}


def test_evaluate_labelstudio_export_scores_like_the_same_jsonl_gold():
    matcher = get_matcher("exact")
    from_export = evaluate(list(read_gold(EXPORT))[:1], matcher)
    from_jsonl = evaluate(list(read_gold(GOLD))[:1], matcher)
    assert from_export.overall == from_jsonl.overall


def test_cli_json_has_overall_and_labels_with_the_issue_keys():
    body = json.loads(run(GOLD, "--json", "--quiet"))
    assert SCORE_KEYS <= set(body["overall"])
    assert set(body["labels"]) == {"LOC", "ORG", "PER"}
    assert all(SCORE_KEYS <= set(scores) for scores in body["labels"].values())
    assert body["overall"]["entity_recall"] == pytest.approx(0.8)
    assert set(body["averaging"]) == {"micro", "macro"} and body["protocol"]["seed"] == "first"


def test_cli_table_lists_labels_overall_and_macro():
    lines = run(GOLD, *ISSUE2_ARGS).splitlines()
    assert lines[0].split() == ["label", "groups", "entity", "R", "type", "R", "precision", "sugg/group", "saved/group"]
    overall = next(line for line in lines if line.startswith("overall (micro)"))
    assert overall.split()[2:] == ["4", "0.800", "0.308", "0.800", "1.25", "0.75"]
    assert any(line.startswith("macro") for line in lines)


def test_cli_matcher_options_reach_the_matcher(acme):
    assert json.loads(run(acme, "--json"))["overall"]["entity_recall"] == 0.0
    assert json.loads(run(acme, "--json", "--case-sensitive", "false"))["overall"]["entity_recall"] == 1.0


class Caseless(ExactMatcher):
    """A second matcher to compare with: the exact matcher, case-insensitive by default."""

    name = "caseless"
    OPTIONS = tuple(replace(o, default=False) if o.name == "case_sensitive" else o for o in ExactMatcher.OPTIONS)


@pytest.fixture
def caseless(monkeypatch):
    monkeypatch.setitem(matchers_registry._registered, "caseless", Caseless)


@pytest.fixture
def acme(tmp_path) -> Path:
    gold = tmp_path / "g.jsonl"
    text = "We saw Acme sue acme."  # the smart case policy (issue 7) keeps "acme" only when case is ignored
    gold.write_text(
        json.dumps(
            {
                "text": text,
                "entities": [{"start": 7, "end": 11, "label": "ORG"}, {"start": 16, "end": 20, "label": "ORG"}],
            }
        )
    )
    return gold


def test_cli_compare_runs_each_matcher_on_the_same_seeds(caseless, acme):
    body = json.loads(run(acme, "--compare", "exact", "caseless", "--json"))
    assert list(body["matchers"]) == ["exact", "caseless"]
    assert body["matchers"]["exact"]["overall"]["entity_recall"] == 0.0
    assert body["matchers"]["caseless"]["overall"]["entity_recall"] == 1.0
    table = run(acme, "--compare", "exact", "caseless").splitlines()
    assert table[0].split()[:2] == ["label", "matcher"]
    assert [line.split()[:3] for line in table if line.startswith("ORG")] == [
        ["ORG", "exact", "1"],
        ["ORG", "caseless", "1"],
    ]


def test_cli_compare_gives_options_to_the_matcher_named_by_matcher(caseless, acme):
    body = json.loads(run(acme, "--case-sensitive", "false", "--compare", "exact", "caseless", "--json"))
    assert body["matchers"]["exact"]["options"]["case_sensitive"] is False
    assert body["matchers"]["exact"]["overall"]["entity_recall"] == 1.0


def test_cli_session_reports_clicks_with_and_without_the_matcher():
    body = json.loads(run(GOLD, "--session", "--json", *ISSUE2_ARGS))
    assert body["overall"] == {"mentions": 11, "clicks": 8, "clicks_saved": 3, "manual": 7, "accepted": 4, "deleted": 1}
    assert body["calls"] == 7
    table = run(GOLD, "--session", *ISSUE2_ARGS).splitlines()
    assert table[0].split()[:4] == ["label", "mentions", "clicks", "saved"]
    assert table[-1].split() == ["overall", "11", "8", "3", "27.3", "7", "4", "1"]


def test_cli_random_seeds_are_reproducible():
    args = (GOLD, "--seed", "random", "--rng-seed", "3", "--json")
    assert run(*args) == run(*args)


def test_cli_html_marks_seeds_found_missed_and_wrong(tmp_path):
    out = tmp_path / "report.html"
    run(GOLD, "--html", out, "--quiet", *ISSUE2_ARGS)
    page = out.read_text(encoding="utf-8")
    parsed = parse_marks(page)
    docs = list(read_gold(GOLD))
    assert parsed.texts == [d.text for d in docs]
    assert parsed.marks == {
        (0, 4, "seed", "PER"): "Anna",
        (9, 12, "seed", "PER"): "Bob",
        (14, 18, "found", "PER"): "Anna",
        (23, 27, "wrong", "PER"): "Anna",
        (35, 38, "found", "PER"): "Bob",
        (0, 14, "seed", "ORG"): "New York Times",
        (41, 46, "missed", "ORG"): "Times",
        (0, 8, "seed", "LOC"): "New York",
        (27, 35, "found", "LOC"): "New York",
        (53, 61, "found", "LOC"): "New York",
    }
    assert "<table" in page and "overall (micro)" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page and "<link" not in page


def test_render_report_html_session_marks_manual_accepted_deleted():
    page = render_report_html(simulate(list(read_gold(GOLD))[:1], get_matcher("exact", **ISSUE2)))
    marks = parse_marks(page).marks
    assert {k[:3] for k in marks} == {
        (0, 4, "seed"),
        (9, 12, "seed"),
        (23, 33, "seed"),
        (28, 33, "seed"),
        (14, 18, "found"),
        (35, 38, "found"),
        (23, 27, "wrong"),
    }


def test_render_document_html_with_gold_marks_nested_and_crossing_spans():
    text = "New York Times <&> York"
    seeds = [Selection(0, 8, "LOC")]
    suggestions = [Suggestion(4, 14, "ORG", "York Times", 1.0, "x"), Suggestion(19, 23, "LOC", "York", 1.0, "x")]
    gold = [GoldSpan(0, 14, "ORG"), GoldSpan(0, 8, "LOC"), GoldSpan(9, 14, "ORG")]
    parsed = parse_marks(render_document_html(text, suggestions, seeds, gold))
    assert parsed.texts == [text]
    assert parsed.marks == {
        (0, 8, "seed", "LOC"): "New York",
        (0, 14, "missed", "ORG"): "New York Times",
        (9, 14, "missed", "ORG"): "Times",
        (4, 14, "wrong", "ORG"): "York Times",
        (19, 23, "wrong", "LOC"): "York",
    }


def test_render_document_html_without_gold_marks_suggestions():
    text = "Acme and Acme"
    page = render_document_html(text, [Suggestion(9, 13, "ORG", "Acme", 1.0, "exact")], [Selection(0, 4, "ORG")])
    assert parse_marks(page).marks == {(0, 4, "seed", "ORG"): "Acme", (9, 13, "suggested", "ORG"): "Acme"}


@given(st.text(alphabet="ab<&> \n\"'é", max_size=30), st.data())
def test_marks_html_keeps_text_and_every_mark_exact(text, data):
    span = st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).map(sorted)
    raw = data.draw(st.lists(st.tuples(span, st.sampled_from(list(KINDS)), st.sampled_from("XY")), max_size=6))
    marks = [Mark(s, e, kind, label) for (s, e), kind, label in raw]
    parsed = parse_marks(f'<div class="text">{marks_html(text, marks)}</div>')
    assert parsed.texts == [text]
    assert {k[:2] + (k[3],) for k in parsed.marks} == {(m.start, m.end, m.label) for m in marks if m.end > m.start}
    assert all(got == text[s:e] for (s, e, _, _), got in parsed.marks.items())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="no headless chromium installed (Debian: apt-get install chromium)")
def test_html_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    run(GOLD, "--html", page)
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,700"]
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], check=True, capture_output=True, text=True, timeout=120)
    assert parse_marks(dom.stdout).marks == parse_marks(page.read_text(encoding="utf-8")).marks


REFERENCE = {  # corpora README: exact, case-sensitive, whole-word matcher (same-entity R / same-type R / P)
    "litbank": (0.308, 0.019, 0.870),
    "wikigold": (0.982, 0.094, 0.747),
    "sec_fin5": (0.958, 0.204, 0.964),
    "ncbi_disease_test": (0.252, 0.120, 0.635),
}


@pytest.mark.parametrize("corpus", list(REFERENCE))
def test_evaluate_exact_reproduces_corpora_reference_figures(corpus):
    path = CORPORA / f"{corpus}.gold.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpora live beside the repository)")
    overall = evaluate(read_gold(path), get_matcher("exact", **ISSUE2)).overall
    assert tuple(round(x, 3) for x in overall[:3]) == REFERENCE[corpus]

"""The command line as users call it: ``match`` output and offsets, seed forms, matcher option styles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from spansuggest.cli import main
from spansuggest.cli.options import matcher_command
from spansuggest.matchers import BaseMatcher, Matcher, Option, declared_options, get_factory, register
from spansuggest.types import Selection, Suggestion

REPO = Path(__file__).resolve().parent.parent

# An emoji (one code point, two UTF-16 units) and a CRLF (two code points) before the entities.
TEXT = "Intro 😀 line\r\nAcme Corp hired Bob.\r\nThen ACME CORP grew 👍🏽; Acme Corporation did not. Acme Corp!\n"


def run(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, env=env)


def lines(result: Result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    return path


def test_match_offsets_round_trip_against_file(doc: Path) -> None:
    content = doc.read_bytes().decode("utf-8")  # what the file holds, CRLF included
    seed = content.index("Acme Corp")
    out = lines(run("match", str(doc), "--select", f"{seed}:{seed + 9}:ORG", "--case-sensitive", "false"))
    assert [(o["start"], o["text"]) for o in out] == [
        (content.index("ACME CORP"), "ACME CORP"),
        (content.rindex("Acme Corp"), "Acme Corp"),
    ]
    for o in out:
        assert content[o["start"] : o["end"]] == o["text"]
        assert o["label"] == "ORG" and o["matcher"] == "exact"


def test_match_prints_suggestion_fields_as_json_lines(doc: Path) -> None:
    (first, *_) = lines(run("match", str(doc), "--text", "Acme Corp", "--label", "ORG"))
    assert list(first) == list(Suggestion._fields)
    # 14 code points before it: "Intro ", the emoji (1), " line", CR and LF (2)
    assert first == {"start": 14, "end": 23, "label": "ORG", "text": "Acme Corp", "score": 1.0,
                     "matcher": "exact", "reason": "exact", "distance": 0}


def test_match_keeps_non_ascii_text_unescaped(tmp_path: Path) -> None:
    path = tmp_path / "fr.txt"
    path.write_text("Société Générale, puis Société Générale.", encoding="utf-8")
    out = run("match", str(path), "--select", "0:16:ORG")
    assert '"text": "Société Générale"' in out.stdout


def test_match_reads_stdin_without_newline_translation() -> None:
    out = lines(run("match", "-", "--case", "sensitive", "--text", "Acme Corp", "--label", "ORG",
                    input=TEXT.encode("utf-8")))
    assert [o["start"] for o in out] == [TEXT.index("Acme Corp"), TEXT.rindex("Acme Corp")]


def test_match_text_seeds_share_one_label(doc: Path) -> None:
    out = lines(run("match", str(doc), "--case", "sensitive", "--text", "Acme Corp", "--text", "Bob", "--label", "ORG"))
    assert {(o["text"], o["label"]) for o in out} == {("Acme Corp", "ORG"), ("Bob", "ORG")}


def test_match_text_seeds_pair_with_labels_in_order(doc: Path) -> None:
    out = lines(run("match", str(doc), "--case", "sensitive", "--text", "Acme Corp", "--label", "ORG", "--text", "Bob",
                    "--label", "PER"))
    assert {(o["text"], o["label"]) for o in out} == {("Acme Corp", "ORG"), ("Bob", "PER")}


def test_match_select_and_text_combine(doc: Path) -> None:
    seed = TEXT.index("Bob")
    out = lines(run("match", str(doc), "--select", f"{seed}:{seed + 3}:PER", "--text", "ACME CORP", "--label", "ORG"))
    assert [(o["text"], o["label"]) for o in out] == [("ACME CORP", "ORG")]  # the Bob seed is not re-suggested


@pytest.mark.parametrize(
    "flags",
    [
        ["--case-sensitive", "false"],
        ["--case-sensitive=false"],
        ["--no-case-sensitive"],
        ["-o", "case_sensitive=false"],
        ["--option", "case-sensitive=no"],
    ],
)
def test_match_option_styles_agree(doc: Path, flags: list[str]) -> None:
    for where in ("before", "after"):  # before FILE, the flag must not be read as the file
        args = [*flags, str(doc)] if where == "before" else [str(doc), *flags]
        out = lines(run("match", *args, "--text", "acme corp", "--label", "ORG"))
        assert [o["text"] for o in out] == ["Acme Corp", "ACME CORP", "Acme Corp"], (where, flags)


def test_match_no_whole_word_finds_inside_words(doc: Path) -> None:
    out = lines(run("match", "--no-whole-word", str(doc), "--text", "Acme Corp", "--label", "ORG"))
    assert TEXT.index("Acme Corporation") in [o["start"] for o in out]


class Probe(BaseMatcher):
    """A plugin-like matcher with one option of every declared kind; it suggests nothing."""

    name = "probe"
    OPTIONS = (
        Option("max_edits", int, 1, "edits allowed", min=0, max=3),
        Option("threshold", float, 0.5, "minimum score", min=0.0, max=1.0),
        Option("strict", bool, False, "a boolean"),
        Option("mode", str, "fast", "a choice", choices=("fast", "exact")),
    )

    def match(self, text: str, selections: Sequence[Selection], *, exclude=()) -> list[Suggestion]:
        return []


@matcher_command()
@click.argument("file", required=False)
def show(matcher: Matcher, file: str | None) -> None:
    """Print the built matcher's name, options and the FILE argument (to check what was parsed)."""
    click.echo(json.dumps({"name": matcher.name, "options": dict(matcher.options), "file": file}))


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("spansuggest.matchers._registered", {})
    register("probe", Probe)


def parsed(*args: str, env: dict[str, str] | None = None) -> dict:
    result = CliRunner().invoke(show, list(args), env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("probe")
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--max-edits", "2"], {"max_edits": 2}),
        (["--max-edits=3"], {"max_edits": 3}),
        (["-o", "max_edits=0"], {"max_edits": 0}),
        (["--threshold", "0.75"], {"threshold": 0.75}),
        (["--strict"], {"strict": True}),
        (["--strict", "on"], {"strict": True}),
        (["--strict=yes"], {"strict": True}),
        (["--no-strict"], {"strict": False}),
        (["--mode", "exact"], {"mode": "exact"}),
        (["--mode=exact", "--option", "max-edits=2"], {"mode": "exact", "max_edits": 2}),
    ],
)
def test_options_plugin_flags_are_typed(args: list[str], expected: dict) -> None:
    got = parsed("--matcher", "probe", *args, "doc.txt")
    defaults = {o.name: o.default for o in Probe.OPTIONS}
    assert got == {"name": "probe", "options": {**defaults, **expected}, "file": "doc.txt"}


@pytest.mark.usefixtures("probe")
def test_options_bare_boolean_flag_leaves_the_next_argument() -> None:
    assert parsed("--matcher", "probe", "--strict", "doc.txt")["file"] == "doc.txt"
    assert parsed("--matcher", "probe", "--strict", "false", "doc.txt")["options"]["strict"] is False


@pytest.mark.usefixtures("probe")
def test_options_matcher_from_environment() -> None:
    assert parsed("--max-edits", "2", env={"SPANSUGGEST_MATCHER": "probe"})["options"]["max_edits"] == 2


def test_options_default_matcher_is_exact() -> None:
    assert parsed()["name"] == "exact"


@pytest.mark.usefixtures("probe")
def test_options_help_lists_chosen_matcher_options() -> None:
    result = CliRunner().invoke(show, ["--matcher", "probe", "--help"])
    assert result.exit_code == 0
    assert "Options of the probe matcher" in result.output
    for flag in ("--max-edits INT", "--threshold FLOAT", "--no-strict", "--mode [fast|exact]"):
        assert flag in result.output


def test_matchers_lists_exact_and_its_options() -> None:
    result = run("matchers")
    assert result.exit_code == 0
    assert any(line.split()[0] == "exact" for line in result.stdout.splitlines() if line.strip())
    for option in declared_options(get_factory("exact")):
        assert option.name in result.stdout


@pytest.mark.parametrize("name", ["exact", "fuzzy", "transformer"])
def test_readme_option_tables_are_generated_from_declarations(name: str) -> None:
    """The README's tables are `spansuggest matchers --markdown NAME`: the declaration is the one source."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = run("matchers", "--markdown", name).stdout.split("\n", 2)[2].strip()
    assert table.startswith("| option |")
    assert table in readme, f"README.md is stale: paste `spansuggest matchers --markdown {name}` into it"


def test_matchers_unknown_name_is_a_usage_error() -> None:
    result = run("matchers", "nope")
    assert result.exit_code == 2 and "no matcher named nope" in result.output


def test_options_command_option_values_are_not_matcher_flags(tmp_path: Path) -> None:
    path = tmp_path / "flags.txt"
    path.write_text("use --whole-word here, and --whole-word there", encoding="utf-8")
    out = lines(run("match", str(path), "--text", "--whole-word", "--label", "FLAG"))
    assert [(o["start"], o["text"]) for o in out] == [(4, "--whole-word"), (27, "--whole-word")]


def test_match_html_marks_seed_and_suggestions(doc: Path, tmp_path: Path) -> None:
    from html.parser import HTMLParser

    content = doc.read_bytes().decode("utf-8")
    seed = content.index("Acme Corp")
    page = tmp_path / "out.html"
    out = lines(run("match", str(doc), "--select", f"{seed}:{seed + 9}:ORG", "--html", str(page)))
    marks: list[tuple[str, int, int]] = []

    class Marks(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "mark" and "data-start" in a:  # the legend's marks have no span
                marks.append((a["class"] or "", int(a["data-start"] or 0), int(a["data-end"] or 0)))

    Marks().feed(page.read_text(encoding="utf-8"))
    assert ("seed", seed, seed + 9) in [(k.split()[0], s, e) for k, s, e in marks]
    found = {(s, e) for k, s, e in marks if "suggested" in k}
    assert found == {(o["start"], o["end"]) for o in out} and found

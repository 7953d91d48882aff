"""Bad command lines get a usage error (exit 2) that names the problem, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from spansuggest.cli import main

TEXT = "Acme Corp hired Bob. ACME CORP grew."


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def doc(tmp_path: Path) -> str:
    path = tmp_path / "doc.txt"
    path.write_text(TEXT, encoding="utf-8")
    return str(path)


def assert_usage_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_option_unknown_names_matcher_options(doc: str) -> None:
    assert_usage_error(
        run("match", "--max-edits", "2", doc, "--select", "0:9:ORG"),
        "No such option: --max-edits",
        "Options of the exact matcher: --case, --case-sensitive, --whole-word, --normalize, --name-guard, --abbreviations, --inflections, --overlaps",
    )


def test_option_misspelt_suggests_close_match(doc: str) -> None:
    assert_usage_error(run("match", "--case-sensitiv", "false", doc, "--select", "0:9:ORG"),
                       "Did you mean --case-sensitive?")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--case-sensitive=maybe"], "'--case-sensitive': option 'case_sensitive' expects bool, got 'maybe'"),
        (["--overlaps", "sideways"], "'--overlaps': option 'overlaps' must be one of"),
        (["-o", "whole_word=perhaps"], "'-o whole_word': option 'whole_word' expects bool"),
        (["--no-overlaps"], "No such option: --no-overlaps"),  # --no- only negates a boolean
    ],
)
def test_option_ill_typed_is_usage_error(doc: str, args: list[str], fragment: str) -> None:
    assert_usage_error(run("match", *args, doc, "--select", "0:9:ORG"), fragment)


def test_option_unknown_key_names_matcher_options(doc: str) -> None:
    assert_usage_error(run("match", "-o", "speed=11", doc, "--select", "0:9:ORG"),
                       "no option 'speed'", "Options of the exact matcher")


def test_option_without_equals_is_usage_error(doc: str) -> None:
    assert_usage_error(run("match", "-o", "case_sensitive", doc, "--select", "0:9:ORG"), "expected NAME=VALUE")


def test_option_given_twice_with_different_values(doc: str) -> None:
    assert_usage_error(run("match", "--case-sensitive", "-o", "case_sensitive=false", doc, "--select", "0:9:ORG"),
                       "option 'case_sensitive' given twice with different values")


def test_option_missing_value_at_end(doc: str) -> None:
    assert_usage_error(run("match", doc, "--select", "0:9:ORG", "--overlaps"), "Option '--overlaps' requires a value")


def test_matcher_unknown_names_available(doc: str) -> None:
    assert_usage_error(run("match", "--matcher", "nonesuch", doc, "--select", "0:9:ORG"),
                       "Invalid value for '--matcher'", "no matcher named 'nonesuch'", "exact")


def test_serve_rejects_bad_option_before_starting() -> None:
    assert_usage_error(run("serve", "--case-sensitive=sometimes"), "expects bool, got 'sometimes'")
    assert_usage_error(run("serve", "--case-sensitive", "sometimes"), "unexpected extra argument (sometimes)")
    assert_usage_error(run("serve", "--port", "99999"), "Invalid value for '--port'")


@pytest.mark.parametrize(
    ("select", "fragment"),
    [
        ("0:9", "expected START:END:LABEL"),
        ("a:9:ORG", "expected START:END:LABEL"),
        ("-1:9:ORG", "expected START:END:LABEL"),
        ("0:9:", "expected START:END:LABEL"),
        ("9:0:ORG", "start 9 is after end 0"),
        ("30:99:ORG", "30:99:ORG is outside the text (36 code points)"),
    ],
)
def test_select_bad_is_usage_error(doc: str, select: str, fragment: str) -> None:
    assert_usage_error(run("match", doc, "--select", select), "'--select'", fragment)


def test_select_label_may_contain_colons(doc: str) -> None:
    result = run("match", doc, "--select", "21:30:ns:ORG", "--no-case-sensitive")
    assert result.exit_code == 0, result.output
    assert '"label": "ns:ORG"' in result.stdout


def test_match_needs_a_seed(doc: str) -> None:
    assert_usage_error(run("match", doc), "give at least one seed")


def test_match_seed_refused_by_the_matcher_is_usage_error(doc: str) -> None:
    assert_usage_error(run("match", doc, "--text", "Acme", "--label", ""), "label must be a non-empty string")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--text", "Acme Corp"], "--text needs --label"),
        (["--label", "ORG"], "--label goes with --text"),
        (["--text", "a", "--text", "b", "--text", "c", "--label", "X", "--label", "Y"], "(3 texts, 2 labels)"),
    ],
)
def test_text_label_mismatch_is_usage_error(doc: str, args: list[str], fragment: str) -> None:
    assert_usage_error(run("match", doc, *args), fragment)


def test_file_missing_is_usage_error(tmp_path: Path) -> None:
    assert_usage_error(run("match", str(tmp_path / "absent.txt"), "--select", "0:1:X"), "does not exist")


def test_file_not_utf8_is_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Société".encode("latin-1"))
    result = run("match", str(path), "--text", "Soci", "--label", "ORG")
    assert result.exit_code == 1 and "not valid UTF-8" in result.output
    assert isinstance(result.exception, SystemExit)

"""Bad gold files and bad arguments get clear errors naming the problem, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spansuggest import get_matcher
from spansuggest.cli.evaluate import evaluate as evaluate_command
from spansuggest.evaluate import GoldFormatError, evaluate, read_gold

GOLD = Path(__file__).parent / "data" / "evaluate_gold.jsonl"
GOOD = {"text": "Ann and Ann", "entities": [{"start": 0, "end": 3, "label": "PER"}]}


def write(tmp_path: Path, *lines: str, name: str = "gold.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def entity(**fields) -> str:
    return json.dumps({"text": "Ann and Ann", "entities": [{"start": 0, "end": 3, "label": "PER", **fields}]})


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        (json.dumps({"entities": []}), 'needs a string "text"'),
        (json.dumps({"text": "x"}), 'needs an "entities" list'),
        (json.dumps({"text": "x", "entities": ["a"]}), "entity 0: expected an object"),
        (entity(start="0"), 'entity 0: "start" and "end" must be integers'),
        (entity(end=True), 'entity 0: "start" and "end" must be integers'),
        (entity(end=99), "span [0, 99) is empty or outside the text (length 11)"),
        (entity(start=3), "span [3, 3) is empty"),
        (entity(label=""), '"label" must be a non-empty string'),
        (entity(text="Bob"), "\"text\" 'Bob' differs from the document at [0, 3): 'Ann'"),
    ],
)
def test_read_gold_malformed_line_names_the_line(tmp_path, line, message):
    path = write(tmp_path, json.dumps(GOOD), "", line)
    with pytest.raises(GoldFormatError) as err:
        list(read_gold(path))
    assert str(err.value).startswith(f"{path}:3: ") and message in str(err.value)


def test_read_gold_not_utf8_is_a_format_error(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b'{"text": "\xff"}\n')
    with pytest.raises(GoldFormatError, match="not UTF-8"):
        list(read_gold(path))


def test_read_gold_broken_labelstudio_export_names_the_json_line(tmp_path):
    path = write(tmp_path, "[", '{"data": {"text": "x"}', "]", name="export.json")
    with pytest.raises(GoldFormatError, match=r"export\.json:3: not valid JSON"):
        list(read_gold(path))


@pytest.mark.parametrize(
    "task, message",
    [
        ({"data": "x"}, 'task 1: task "data" must be an object'),
        ({"data": {"a": "x", "b": "y"}}, "cannot tell which of data's keys ['a', 'b'] holds the text"),
        ({"data": {"text": 3}}, "task data has no string 'text'"),
        ({"data": {"text": "x"}, "annotations": {"a": 1}}, '"annotations" must be a list'),
        ({"data": {"text": "x"}, "annotations": [{"result": "r"}]}, 'annotation "result" must be a list'),
        (
            {
                "data": {"text": "Ann"},
                "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 3}}]}],
            },
            'result 0: a labels result needs "value" with',
        ),
        (
            {
                "data": {"text": "Ann"},
                "annotations": [{"result": [{"type": "labels", "value": {"start": 0, "end": 4, "labels": ["P"]}}]}],
            },
            "result 0: span [0, 4) is empty or outside the text",
        ),
    ],
)
def test_read_gold_malformed_labelstudio_task_names_the_task(tmp_path, task, message):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task]))
    with pytest.raises(GoldFormatError) as err:
        list(read_gold(path))
    assert "task 1" in str(err.value) and message in str(err.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"seed": "last"}, "seed must be one of first, random"),
        ({"seeds_per_entity": 0}, "seeds_per_entity must be an integer >= 1"),
        ({"seeds_per_entity": True}, "seeds_per_entity must be an integer >= 1"),
    ],
)
def test_evaluate_rejects_bad_protocol_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluate(read_gold(GOLD), get_matcher("exact"), **kwargs)


def invoke(*args: str):
    return CliRunner().invoke(evaluate_command, [str(a) for a in args])


def test_cli_malformed_gold_exits_1_with_the_line(tmp_path):
    path = write(tmp_path, json.dumps(GOOD), "{oops")
    result = invoke(path)
    assert result.exit_code == 1 and f"{path}:2: not valid JSON" in result.output
    assert "Traceback" not in result.output


def test_cli_gold_without_documents_is_an_error(tmp_path):
    result = invoke(write(tmp_path, "[]", name="empty.json"))
    assert result.exit_code == 1 and "no gold documents" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["exact"], "to compare matchers use --compare NAME"),
        (["--compare"], "--compare needs the matcher names"),
        (["--compare", "exact", "nosuch"], "no matcher named 'nosuch'"),
        (["--compare", "exact", "--html", "x.html"], "--html renders one matcher"),
        (["--matcher", "nosuch"], "no matcher named 'nosuch'"),
        (["--case-sensitive=maybe"], "case_sensitive"),
        (["--seeds-per-entity", "0"], "--seeds-per-entity"),
        (["--seed", "last"], "'last' is not one of"),
    ],
)
def test_cli_bad_arguments_are_usage_errors(args, message):
    result = invoke(GOLD, *args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_cli_missing_gold_file_is_a_usage_error(tmp_path):
    result = invoke(tmp_path / "absent.jsonl")
    assert result.exit_code == 2 and "does not exist" in result.output

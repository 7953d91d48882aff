"""Batch pre-annotation: reading task files incrementally, predictions, output formats, errors, Dask."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spansuggest.annotate import Annotator, TaskError, TaskWriter, annotate_tasks, read_patterns, read_tasks
from spansuggest.cli import main
from spansuggest.labelstudio import parse_label_config
from spansuggest.matchers.exact import ExactMatcher

CONFIG = '<View><Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels><Text name="text" value="$text"/></View>'
TASKS = [
    {"data": {"text": "Alice met Bob at Acme Corp. Alice!"}},
    {"text": "a bare data object: Alice"},
    {"data": {"text": "Bob and Bob 🍎 Bob"},
     "annotations": [{"id": 1, "result": [{"id": "x1", "from_name": "label", "to_name": "text", "type": "labels",
                                           "value": {"start": 0, "end": 3, "labels": ["PER"]}}]}]},
    {"data": {"other": 1}},
]
PATTERNS = '{"label": "PER", "pattern": "Alice"}\n\n{"label": "ORG", "pattern": "Acme Corp"}\n'


def annotator(matcher: ExactMatcher | None = None) -> Annotator:
    patterns = read_patterns(io.StringIO(PATTERNS))
    return Annotator(parse_label_config(CONFIG), matcher or ExactMatcher(), patterns, "mv")


def run(source: str) -> list[dict]:
    _, tasks = read_tasks(io.StringIO(source))
    return [out for _, out in annotate_tasks(tasks, annotator())]


def found(task: dict) -> list[tuple[int, str, list[str]]]:
    (prediction,) = task["predictions"]
    return [(r["value"]["start"], r["value"]["text"], r["value"]["labels"]) for r in prediction["result"]]


def test_annotate_predictions_in_label_studio_shape() -> None:
    out = run(json.dumps(TASKS))
    assert found(out[0]) == [(0, "Alice", ["PER"]), (17, "Acme Corp", ["ORG"]), (28, "Alice", ["PER"])]
    assert out[1] == {"data": TASKS[1], "predictions": out[1]["predictions"]} and found(out[1]) == [(20, "Alice", ["PER"])]
    assert found(out[2]) == [(8, "Bob", ["PER"]), (14, "Bob", ["PER"])]  # the task's own region seeds, emoji counts 1
    assert out[3]["predictions"] == [{"model_version": "mv", "score": 0.0, "result": []}]
    for task in out:
        for r in task["predictions"][0]["result"]:
            assert r["from_name"] == "label" and r["to_name"] == "text" and r["type"] == "labels" and "#" not in r["id"]
            assert isinstance(r["value"]["start"], int) and task["data"]["text"][r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]


def test_annotate_jsonl_and_array_read_alike() -> None:
    lines = "\n".join(json.dumps(t) for t in TASKS)
    assert run(lines) == run(json.dumps(TASKS, indent=2))


def test_annotate_non_exact_matcher_gets_patterns_as_seeds() -> None:
    class Wrapped(ExactMatcher):  # not taken for the gazetteer path: patterns reach match() as seeds
        name = "wrapped"

    patterns = read_patterns(io.StringIO(PATTERNS))
    slow = Annotator(parse_label_config(CONFIG), Wrapped(), patterns, "mv")
    fast = annotator()
    for task in TASKS:
        assert [r["value"] for r in slow.predict(task)["result"]] == [r["value"] for r in fast.predict(task)["result"]]


@pytest.mark.parametrize(
    "source, message",
    [
        ('[{"data": {}},\n\n{"data": 3}]', "line 3: the task's data must be a JSON object"),
        ('[{"data": {}},\n{"data"', "line 2: not JSON"),
        ('{"data": {}}\n\nnope\n', "line 3: not JSON"),
        ('[{"data": {}} {"x": 1}]', "line 1: expected ','"),
        ('[{"data": {}}] x', "line 1: unexpected data after the JSON array"),
        ("[1]", "line 1: a task must be a JSON object"),
        ('[{"data": {}},', "the JSON array is not closed"),
    ],
)
def test_annotate_malformed_task_names_line(source: str, message: str) -> None:
    _, tasks = read_tasks(io.StringIO(source), "f.json")
    with pytest.raises(TaskError, match=message):
        list(tasks)


def test_annotate_patterns_errors_name_line() -> None:
    with pytest.raises(TaskError, match="p line 2"):
        read_patterns(io.StringIO('{"label": "A", "pattern": "x"}\n{"label": "A", "pattern": [{"LOWER": "x"}]}\n'), "p")
    with pytest.raises(TaskError, match="p line 1: not JSON"):
        read_patterns(io.StringIO("{"), "p")


class CountingReader(io.StringIO):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.consumed = 0

    def read(self, size: int | None = -1) -> str:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> str:
        line = super().readline(size)
        self.consumed += len(line)
        return line

    def __next__(self) -> str:
        return self.readline() or (_ for _ in ()).throw(StopIteration)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_annotate_reads_incrementally(fmt: str) -> None:
    big = [{"data": {"text": "Alice " * 50_000}} for _ in range(12)]
    text = json.dumps(big) if fmt == "json" else "\n".join(json.dumps(t) for t in big)
    stream = CountingReader(text)
    _, tasks = read_tasks(stream)
    next(tasks)
    assert stream.consumed < len(text) / 2


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_annotate_writer_formats(fmt: str) -> None:
    for tasks in ([], TASKS):
        sink = io.StringIO()
        writer = TaskWriter(sink, fmt)
        for t in tasks:
            writer.write(t)
        writer.close()
        lines = sink.getvalue().splitlines()
        assert ([json.loads(line) for line in lines] if fmt == "jsonl" else json.loads(sink.getvalue())) == tasks


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"config": tmp_path / "config.xml", "patterns": tmp_path / "p.jsonl", "tasks": tmp_path / "tasks.json"}
    paths["config"].write_text(CONFIG)
    paths["patterns"].write_text(PATTERNS)
    paths["tasks"].write_text(json.dumps(TASKS))
    return paths


def test_annotate_cli_mirrors_input(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["annotate", str(files["tasks"]), "--config", str(files["config"]),
                                       "--patterns", str(files["patterns"]), "-O", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert [found(t) for t in written] == [found(t) for t in run(json.dumps(TASKS))]
    assert written[0]["predictions"][0]["model_version"].endswith("-patterns-" + __import__("hashlib").sha256(PATTERNS.encode()).hexdigest()[:8])


def test_annotate_cli_malformed_task_exits_with_line(files: dict[str, Path]) -> None:
    files["tasks"].write_text('{"data": {"text": "x"}}\n[1]\n')
    result = CliRunner().invoke(main, ["annotate", str(files["tasks"]), "--config", str(files["config"]), "--no-progress"])
    assert result.exit_code == 1 and "tasks.json line 2" in result.output


def test_annotate_cli_bad_config(files: dict[str, Path]) -> None:
    files["config"].write_text("<View><Text name='t' value='$text'/></View>")
    result = CliRunner().invoke(main, ["annotate", str(files["tasks"]), "--config", str(files["config"])])
    assert result.exit_code == 2 and "no <Labels> control" in result.output

"""``annotate`` on a Dask LocalCluster: the same output as one process, in input order."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spansuggest.annotate import annotate_dask, annotate_tasks, read_tasks
from spansuggest.cli import main

from .test_annotate_tasks import CONFIG, PATTERNS, TASKS, annotator

distributed = pytest.importorskip("dask.distributed", reason="Dask is not installed (pip install 'spansuggest[dask]')")

MANY = [
    {"data": {"text": f"Task {i}: Alice met Bob at Acme Corp." + " Alice" * (i % 7)}, "id": i} for i in range(120)
] + TASKS


def test_annotate_dask_same_output_in_order() -> None:
    source = "\n".join(json.dumps(t) for t in MANY)
    local = [out for _, out in annotate_tasks(read_tasks(io.StringIO(source))[1], annotator())]
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        spread = annotate_dask(read_tasks(io.StringIO(source))[1], annotator(), client, batch_tasks=7, in_flight=3)
        remote = [out for _, out in spread]
    assert remote == local


def test_annotate_dask_cli_local_cluster(tmp_path: Path) -> None:
    paths = {name: tmp_path / name for name in ("config.xml", "p.jsonl", "tasks.jsonl", "one.jsonl", "dask.jsonl")}
    paths["config.xml"].write_text(CONFIG)
    paths["p.jsonl"].write_text(PATTERNS)
    paths["tasks.jsonl"].write_text("\n".join(json.dumps(t) for t in MANY))
    common = ["annotate", str(paths["tasks.jsonl"]), "--config", str(paths["config.xml"]), "--patterns", str(paths["p.jsonl"]),
              "--no-progress"]
    one = CliRunner().invoke(main, [*common, "-O", str(paths["one.jsonl"])])
    spread = CliRunner().invoke(main, [*common, "-O", str(paths["dask.jsonl"]), "--engine", "dask", "--workers", "2"])
    assert one.exit_code == 0 and spread.exit_code == 0, spread.output
    assert paths["dask.jsonl"].read_text() == paths["one.jsonl"].read_text()
    assert len(paths["one.jsonl"].read_text().splitlines()) == len(MANY)

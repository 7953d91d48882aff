"""``annotate`` throughput: one process vs a Dask LocalCluster, in MB of tasks per second.

Repeats the tasks file up to ``--mb`` MB in a temporary file, takes the gold mentions of ``--gold`` as
patterns, and runs both engines on it in this process (output to a throwaway writer), checking they agree.

    .venv/bin/python benchmarks/bench_annotate.py --tasks ../shared/corpora/litbank.tasks.jsonl \
        --gold ../shared/corpora/litbank.gold.jsonl --config config.xml
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import tempfile
import time
from pathlib import Path

from spansuggest.annotate import Annotator, TaskWriter, annotate_dask, annotate_tasks, read_tasks
from spansuggest.labelstudio import parse_label_config
from spansuggest.matchers.exact import ExactMatcher
from spansuggest.matchers.gazetteer import Pattern


class Digest(io.StringIO):
    """A sink that keeps only a hash of what is written (to compare engines without holding the output)."""

    def __init__(self) -> None:
        super().__init__()
        self.hash = hashlib.sha256()

    def write(self, s: str) -> int:
        self.hash.update(s.encode("utf-8", "surrogatepass"))
        return len(s)


def run(path: Path, annotator: Annotator, client=None) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    sink = Digest()
    start = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        fmt, tasks = read_tasks(f)
        writer = TaskWriter(sink, fmt)
        results = annotate_tasks(tasks, annotator) if client is None else annotate_dask(tasks, annotator, client)
        for _, out in results:
            writer.write(out)
        writer.close()
    return time.perf_counter() - start, sink.hash.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=Path, required=True, help="a JSONL tasks file ({'data': {'text': ...}})")
    ap.add_argument("--gold", type=Path, required=True, help="gold JSONL whose entity mentions become the patterns")
    ap.add_argument("--mb", type=float, default=20.0, help="size of the tasks file to annotate")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from dask.distributed import Client, LocalCluster

    with open(args.gold, encoding="utf-8") as gold:
        patterns = sorted({Pattern(e["label"], e["text"]) for line in gold for e in json.loads(line)["entities"]})
    labels = "".join(f'<Label value="{label}"/>' for label in sorted({p.label for p in patterns}))
    config = f'<View><Labels name="label" toName="text">{labels}</Labels><Text name="text" value="$text"/></View>'
    annotator = Annotator(parse_label_config(config), ExactMatcher(), patterns, "bench")
    lines = args.tasks.read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            while f.tell() < args.mb * 1e6:
                f.write("\n".join(lines) + "\n")
        mb = os.path.getsize(path) / 1e6
        print(f"{mb:.1f} MB of tasks, {len(patterns):,} patterns")
        t_one, h_one = run(path, annotator)
        with open(path, encoding="utf-8") as f:
            first = json.loads(f.readline())
        print(f"(first task: {len(annotator.predict(first)['result'])} suggestions)")
        print(f"single process          {t_one:7.2f} s  {mb / t_one:6.2f} MB/s")
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster, Client(cluster) as client:
            run(path, annotator, client)  # warm the workers (imports, the first automaton)
            t_dask, h_dask = run(path, annotator, client)
        print(f"Dask LocalCluster x{args.workers}    {t_dask:7.2f} s  {mb / t_dask:6.2f} MB/s  "
              f"(speed-up {t_one / t_dask:.2f}, identical output: {h_one == h_dask})")


if __name__ == "__main__":
    main()

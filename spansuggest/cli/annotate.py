"""``spansuggest annotate``: pre-annotate a Label Studio tasks file, in one process or on a Dask cluster.

Reads tasks (a JSON array or JSON Lines) one at a time and writes each with a prediction appended to its
``predictions``, ready to import into Label Studio. Seeds are the patterns file (JSON Lines
``{"label": ..., "pattern": ...}``, as spaCy's EntityRuler and Prodigy write them) and each task's own
annotated regions. ``--engine dask`` runs the same work on a Dask cluster: the scheduler at
``--scheduler ADDRESS`` (a cluster started with ``dask scheduler`` / ``dask worker ADDRESS`` on each
machine, every one with spansuggest installed), or a ``LocalCluster`` of ``--workers`` processes; the
output is the same as in one process, in the same order.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

import click

from ..annotate import Annotator, TaskError, TaskWriter, annotate_dask, annotate_tasks, read_patterns, read_tasks
from ..labelstudio import LabelConfigError, model_version_for, parse_label_config
from ..matchers import Matcher
from .options import matcher_command

ENGINES = ("local", "dask")


def _patterns_digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:8]


@matcher_command()
@click.argument("tasks", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The project's labeling config (XML): names the <Labels> and <Text> to predict for.")
@click.option("--patterns", "patterns_path", type=click.Path(exists=True, dir_okay=False),
              help='Patterns, JSON Lines {"label": ..., "pattern": ...} (spaCy EntityRuler / Prodigy format).')
@click.option("--output", "-O", "output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the tasks with predictions ('-': standard output).")
@click.option("--format", "fmt", type=click.Choice(["auto", "json", "jsonl"]), default="auto", show_default=True,
              help="Output format; auto mirrors the input (JSON array in, JSON array out).")
@click.option("--model-version", default=None, help="model_version of the predictions (default: matcher + patterns).")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="local: this process; dask: a Dask cluster.")
@click.option("--scheduler", default=None, metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", show_envvar=True,
              help="Dask scheduler address (tcp://host:8786); without it a LocalCluster is started.")
@click.option("--workers", type=click.IntRange(1), default=2, show_default=True,
              help="Worker processes of the LocalCluster (without --scheduler).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar on stderr.")
def annotate(
    matcher: Matcher,
    tasks: str,
    config_path: str,
    patterns_path: str | None,
    output: str,
    fmt: str,
    model_version: str | None,
    engine: str,
    scheduler: str | None,
    workers: int,
    progress: bool,
) -> None:
    """Pre-annotate the Label Studio tasks in TASKS ('-': standard input) with predictions."""
    from tqdm import tqdm

    with open(config_path, encoding="utf-8") as f:
        try:
            controls = parse_label_config(f.read())
        except LabelConfigError as err:
            raise click.BadParameter(str(err), param_hint="'--config'") from None
    if not controls:
        raise click.BadParameter("the config has no <Labels> control on a <Text> object", param_hint="'--config'")
    patterns = []
    if patterns_path:
        with open(patterns_path, encoding="utf-8") as f:
            try:
                patterns = read_patterns(f, os.path.basename(patterns_path))
            except TaskError as err:
                raise click.ClickException(str(err)) from None
    if model_version is None:
        model_version = model_version_for(matcher)
        if patterns_path:
            model_version += f"-patterns-{_patterns_digest(patterns_path)}"
    annotator = Annotator(controls, matcher, patterns, model_version)
    with ExitStack() as stack:
        source: IO[str] = sys.stdin if tasks == "-" else stack.enter_context(open(tasks, encoding="utf-8"))
        name = "<stdin>" if tasks == "-" else os.path.basename(tasks)
        total = os.path.getsize(tasks) if tasks != "-" and os.path.isfile(tasks) else None
        in_fmt, items = read_tasks(source, name)
        sink: IO[str] = sys.stdout if output == "-" else stack.enter_context(open(output, "w", encoding="utf-8"))
        writer = TaskWriter(sink, in_fmt if fmt == "auto" else fmt)
        bar = stack.enter_context(
            tqdm(total=total, unit="B", unit_scale=True, desc="annotate", disable=not progress, file=sys.stderr)
        )
        if engine == "dask":
            results = annotate_dask(items, annotator, stack.enter_context(_dask_client(scheduler, workers)))
        else:
            results = annotate_tasks(items, annotator)
        try:
            for item, annotated in results:
                writer.write(annotated)
                bar.update(item.nbytes)
        except TaskError as err:
            raise click.ClickException(str(err)) from None
        writer.close()
    click.echo(f"annotated {writer.count} task(s)", err=True)


@contextmanager
def _dask_client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A Dask client on ``scheduler``, or on a LocalCluster of ``workers`` single-threaded processes (closed after)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise click.UsageError("--engine dask needs Dask: pip install 'spansuggest[dask]'") from None
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:
        yield client

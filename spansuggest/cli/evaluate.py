"""``spansuggest evaluate``: score matchers on gold annotations (seed protocol or simulated sessions).

The measures, the averaging and the session rules are defined in :mod:`spansuggest.evaluate`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from tqdm import tqdm

from ..evaluate import SEED_CHOICES, GoldDocument, GoldFormatError, Report, SessionReport, read_gold, simulate
from ..evaluate import evaluate as run_protocol
from ..matchers import Matcher, UnknownMatcherError, get_matcher
from ..report import format_table, render_report_html, summary_rows
from .options import matcher_command


def _read(path: str, text_key: str | None, limit: int | None) -> list[GoldDocument]:
    """The gold documents of ``path`` (the first ``limit``), or a click error naming what is wrong."""
    try:
        docs = []
        for doc in read_gold(path, text_key=text_key):
            if limit is not None and len(docs) >= limit:
                break
            docs.append(doc)
    except GoldFormatError as err:
        raise click.ClickException(str(err)) from None
    if not docs:
        raise click.ClickException(f"{path}: no gold documents (Label Studio tasks need a completed annotation)")
    return docs


def _matchers(chosen: Matcher, names: tuple[str, ...]) -> dict[str, Matcher]:
    """The matchers to compare by name: each with its defaults, the ``--matcher`` one with the given options."""
    out = {}
    for name in dict.fromkeys(names):
        try:
            out[name] = chosen if name == chosen.name else get_matcher(name)
        except (UnknownMatcherError, ValueError) as err:
            raise click.BadParameter(str(err), param_hint="'--compare'") from None
    return out


@matcher_command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False))
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--compare", is_flag=True, help="Compare the matchers NAME... side by side on the same seeds.")
@click.option(
    "--seed",
    type=click.Choice(SEED_CHOICES),
    default="first",
    show_default=True,
    help="Which mentions of an entity are the seeds: the first ones, or a reproducible random draw.",
)
@click.option(
    "--seeds-per-entity",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Seeds per entity group (groups with no more mentions than this are skipped).",
)
@click.option("--rng-seed", type=int, default=0, show_default=True, help="Random seed for --seed random.")
@click.option("--session", is_flag=True, help="Simulate annotation sessions and count clicks instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML report of every document to this file.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N documents.")
@click.option("--text-key", help="Label Studio tasks: the data key holding the text (default: text).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def evaluate(
    matcher: Matcher,
    gold: str,
    names: tuple[str, ...],
    compare: bool,
    seed: str,
    seeds_per_entity: int,
    rng_seed: int,
    session: bool,
    as_json: bool,
    html_path: str | None,
    limit: int | None,
    text_key: str | None,
    quiet: bool,
) -> None:
    """Score matchers on GOLD (JSONL gold or a Label Studio JSON export) by the corpora's seed protocol.

    Prints same-entity recall, same-type recall, precision, suggestions and clicks saved per entity group,
    per label and overall (micro: counts pooled over groups; macro: mean of the labels). With --session,
    the clicks an annotator needs with and without the matcher. With --compare NAME..., each NAME is run
    with its default options, except the --matcher one, which takes the options given.
    """
    if names and not compare:
        raise click.UsageError(f"unexpected argument(s) {' '.join(names)}; to compare matchers use --compare NAME...")
    if compare and not names:
        raise click.UsageError("--compare needs the matcher names to compare, e.g. --compare exact transformer")
    if compare and html_path:
        raise click.UsageError("--html renders one matcher; drop --compare or run once per matcher")
    docs = _read(gold, text_key, limit)
    matchers = _matchers(matcher, names) if compare else {matcher.name: matcher}
    reports: dict[str, Report | SessionReport] = {}
    for name, m in matchers.items():
        bar = tqdm(docs, desc=name, unit="doc", file=sys.stderr, disable=quiet or not sys.stderr.isatty())
        try:
            if session:
                reports[name] = simulate(bar, m)
            else:
                reports[name] = run_protocol(bar, m, seed=seed, seeds_per_entity=seeds_per_entity, rng_seed=rng_seed)
        except ValueError as err:
            raise click.ClickException(f"the {name} matcher failed on {gold}: {err}") from None
    if html_path:
        Path(html_path).write_text(render_report_html(reports[matcher.name]), encoding="utf-8")
    if as_json:
        body = (
            reports[matcher.name].to_dict()
            if not compare
            else {"matchers": {n: r.to_dict() for n, r in reports.items()}}
        )
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    click.echo(format_table(*summary_rows(reports)))
    if not session:
        click.echo(
            f"\n{len(docs)} documents; seeds: {seed}, {seeds_per_entity} per entity group. "
            "micro: counts pooled over groups; macro: mean of the per-label scores."
        )

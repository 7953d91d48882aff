"""``spansuggest match``: suggestions for one text file, printed as JSON lines.

Seeds are given by position (``--select START:END:LABEL``, code-point offsets into the file, end
exclusive) or by text (``--text "Acme Corp" --label ORG``). The file is decoded as UTF-8 with no newline
translation, so offsets count its code points exactly as written (a CRLF is two).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from ..matchers import Matcher
from ..report import render_document_html
from ..types import Selection
from .options import matcher_command

SPAN = re.compile(r"(\d+):(\d+):(.+)", re.ASCII | re.DOTALL)


class SelectionSpan(click.ParamType):
    """``START:END:LABEL`` (the label may itself contain colons) -> a positioned :class:`Selection`."""

    name = "START:END:LABEL"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Selection:
        if isinstance(value, Selection):
            return value
        found = SPAN.fullmatch(str(value))
        if found is None:
            self.fail(f"expected START:END:LABEL with non-negative integer offsets, got {value!r}", param, ctx)
        begin, finish, label = int(found[1]), int(found[2]), found[3]
        if begin > finish:
            self.fail(f"start {begin} is after end {finish} in {value!r}", param, ctx)
        return Selection(begin, finish, label)


def read_text(path: str) -> str:
    """The file's text (``-`` is stdin), decoded as UTF-8 with every newline kept as written."""
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise click.FileError(path, hint=f"not valid UTF-8 ({err})") from None


def pattern_seeds(texts: tuple[str, ...], labels: tuple[str, ...]) -> list[Selection]:
    """``--text`` seeds: one ``--label`` for all of them, or one ``--label`` per ``--text`` in order."""
    if texts and not labels:
        raise click.UsageError("--text needs --label (one for all texts, or one per text)")
    if labels and not texts:
        raise click.UsageError("--label goes with --text (use START:END:LABEL with --select)")
    if len(labels) not in (1, len(texts)):
        raise click.UsageError(
            f"give one --label for all texts or one per --text ({len(texts)} texts, {len(labels)} labels)"
        )
    paired = labels * len(texts) if len(labels) == 1 else labels
    return [Selection.pattern(text, label) for text, label in zip(texts, paired)]


@matcher_command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--select",
    "selects",
    multiple=True,
    type=SelectionSpan(),
    help="A labeled span of FILE to search for (code points, end exclusive); repeatable.",
)
@click.option("--text", "texts", multiple=True, help="A seed given by its text alone; repeatable.")
@click.option("--label", "labels", multiple=True, help="The label of --text: one for all, or one per --text.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the text with its seeds and suggestions marked, as a self-contained HTML page.",
)
def match(
    matcher: Matcher,
    file: str,
    selects: tuple[Selection, ...],
    texts: tuple[str, ...],
    labels: tuple[str, ...],
    html_path: str | None,
) -> None:
    """Print every span of FILE that matches a seed, one JSON object per line (FILE may be -)."""
    seeds = list(selects) + pattern_seeds(texts, labels)
    if not seeds:
        raise click.UsageError("give at least one seed: --select START:END:LABEL or --text TEXT --label LABEL")
    text = read_text(file)
    for sel in selects:
        if sel.end > len(text):
            raise click.BadParameter(
                f"{sel.start}:{sel.end}:{sel.label} is outside the text ({len(text)} code points)",
                param_hint="'--select'",
            )
    try:
        suggestions = matcher.match(text, seeds)
    except ValueError as err:  # a seed the matchers' shared check refuses (e.g. --label "")
        raise click.UsageError(str(err)) from None
    for suggestion in suggestions:
        click.echo(json.dumps(suggestion._asdict(), ensure_ascii=False))
    if html_path:
        Path(html_path).write_text(render_document_html(text, suggestions, seeds), encoding="utf-8")

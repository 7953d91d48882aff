"""Render evaluation results: plain-text tables and self-contained HTML pages of marked documents.

A page marks spans with ``<mark class="KIND" data-start data-end data-label>`` (kinds in :data:`KINDS`),
over the escaped document text, which stays character for character what it was. Nested marks nest; a
mark that crosses another's edge is cut into fragments that share ``data-start``/``data-end``, so the
markup stays well formed and the page needs no script. Styles are inline: no external CSS, JS or fonts.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .evaluate import DocumentOutcome, GoldSpan, Report, SessionOutcome, SessionReport
from .types import Selection, Suggestion

__all__ = [
    "KINDS",
    "Mark",
    "format_table",
    "marks_html",
    "render_document_html",
    "render_report_html",
    "summary_rows",
]

KINDS = {
    "seed": ("#4c78a8", "seed: the annotator's selection"),
    "found": ("#54a24b", "found: a suggestion equal to a gold mention"),
    "missed": ("#f58518", "missed: a gold mention of a seeded entity not suggested"),
    "wrong": ("#e45756", "wrong: a suggestion that is no gold mention with its label"),
    "suggested": ("#b279a2", "suggested: a suggestion (no gold to compare with)"),
}
"""Mark kinds, by precedence (a span and label marked twice keeps the earlier kind): colour, legend."""

SESSION_LEGEND = {
    "seed": "labeled by hand (one click each)",
    "found": "suggested and accepted (a click saved each)",
    "wrong": "suggested wrongly and deleted (one click each)",
}


class Mark(NamedTuple):
    """A span of a document to highlight as one of :data:`KINDS`."""

    start: int
    end: int
    kind: str
    label: str


def _dedupe(marks: Iterable[Mark]) -> list[Mark]:
    """One mark per span and label, the kind earliest in :data:`KINDS` winning."""
    order = {kind: k for k, kind in enumerate(KINDS)}
    best: dict[tuple[int, int, str], Mark] = {}
    for m in marks:
        key = (m.start, m.end, m.label)
        if key not in best or order[m.kind] < order[best[key].kind]:
            best[key] = m
    return list(best.values())


def _open(m: Mark, text: str, first: bool) -> str:
    """The opening tag of one fragment of ``m``; the first fragment carries the visible label."""
    title = f"{m.kind} {m.label}: {text[m.start : m.end]}"
    return (
        f'<mark class="{m.kind}" data-start="{m.start}" data-end="{m.end}" data-label="{html.escape(m.label)}"'
        f'{" data-first" if first else ""} title="{html.escape(title)}">'
    )


def marks_html(text: str, marks: Iterable[Mark]) -> str:
    """``text`` escaped, with every mark as (possibly fragmented, always well-nested) ``<mark>`` elements."""
    order = {kind: k for k, kind in enumerate(KINDS)}
    pending = sorted((m for m in _dedupe(marks) if m.end > m.start), key=lambda m: (m.start, -m.end, order[m.kind]))
    bounds = sorted({0, len(text)} | {m.start for m in pending} | {m.end for m in pending})
    out: list[str] = []
    stack: list[Mark] = []
    k = 0
    for here, upto in zip(bounds, bounds[1:] + [len(text)]):
        ending = [i for i, m in enumerate(stack) if m.end == here]
        if ending:
            reopen = [m for m in stack[ending[0] :] if m.end != here]
            out.append("</mark>" * (len(stack) - ending[0]))
            del stack[ending[0] :]
            for m in reopen:
                out.append(_open(m, text, first=False))
                stack.append(m)
        while k < len(pending) and pending[k].start == here:
            out.append(_open(pending[k], text, first=True))
            stack.append(pending[k])
            k += 1
        out.append(html.escape(text[here:upto]))
    out.append("</mark>" * len(stack))
    return "".join(out)


_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .2em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.doc { border-top: 1px solid #ccc; margin-top: 1.5em; }
.text { white-space: pre-wrap; line-height: 2.2; font-family: Georgia, serif; }
mark { background: transparent; padding: .1em 0 .45em; border-bottom: 3px solid; }
mark mark { padding-bottom: .25em; }
mark mark mark { padding-bottom: .05em; }
mark[data-first]::before { content: attr(data-label); font: 9px/1 system-ui, sans-serif; color: #fff;
  padding: 1px 3px; margin-right: 2px; border-radius: 3px; vertical-align: super; }
.legend mark { margin-right: 1em; }
""" + "".join(
    f"mark.{kind} {{ background: {colour}33; border-color: {colour}; }}\n"
    f"mark.{kind}[data-first]::before {{ background: {colour}; }}\n"
    for kind, (colour, _) in KINDS.items()
)


def _page(title: str, body: str) -> str:
    """A complete, self-contained HTML page."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head>\n<body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n"
    )


def _legend(kinds: dict[str, str]) -> str:
    """A line naming each mark kind in its own colours."""
    items = "".join(f'<mark class="{k}">{html.escape(text)}</mark>' for k, text in kinds.items())
    return f'<p class="legend">{items}</p>\n'


def _table_html(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table of already formatted cells."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n" for row in rows)
    return f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n'


def render_document_html(
    text: str,
    suggestions: Sequence[Suggestion],
    seeds: Sequence[Selection],
    gold: Sequence[GoldSpan] | None = None,
) -> str:
    """A page showing one document's seeds and suggestions; with ``gold``, also found, wrong and missed."""
    marks = [Mark(s.start, s.end, "seed", s.label) for s in seeds if s.end > s.start]
    if gold is None:
        marks += [Mark(s.start, s.end, "suggested", s.label) for s in suggestions]
        kinds = ["seed", "suggested"]
    else:
        gold_keys = {(g.start, g.end, g.label) for g in gold}
        marks += [
            Mark(s.start, s.end, "found" if (s.start, s.end, s.label) in gold_keys else "wrong", s.label)
            for s in suggestions
        ]
        marks += [Mark(g.start, g.end, "missed", g.label) for g in gold]
        kinds = ["seed", "found", "missed", "wrong"]
    counts = f"<p>{len(seeds)} seed(s), {len(suggestions)} suggestion(s)</p>\n"
    body = _legend({k: KINDS[k][1] for k in kinds}) + counts + f'<div class="text">{marks_html(text, marks)}</div>\n'
    return _page("spansuggest: suggestions", body)


def _outcome_marks(outcome: DocumentOutcome | SessionOutcome) -> list[Mark]:
    """The marks of one evaluated document (seed protocol or session)."""
    if isinstance(outcome, SessionOutcome):
        return (
            [Mark(g.start, g.end, "seed", g.label) for g in outcome.manual]
            + [Mark(s.start, s.end, "found", s.label) for s in outcome.accepted]
            + [Mark(s.start, s.end, "wrong", s.label) for s in outcome.deleted]
        )
    gold = outcome.document.labeled_spans()
    marks = []
    for trial in outcome.trials:
        marks += [Mark(g.start, g.end, "seed", trial.label) for g in trial.seeds]
        suggested = {(s.start, s.end) for s in trial.suggestions}
        marks += [
            Mark(s.start, s.end, "found" if (s.start, s.end, s.label) in gold else "wrong", s.label)
            for s in trial.suggestions
        ]
        marks += [Mark(s, e, "missed", trial.label) for s, e in sorted(trial.others - suggested)]
    return marks


def render_report_html(report: Report | SessionReport) -> str:
    """A page with the summary table on top and every document marked below (see :func:`marks_html`)."""
    if isinstance(report, SessionReport):
        title = f"spansuggest session: {report.matcher}"
        legend = SESSION_LEGEND
    else:
        title = f"spansuggest evaluate: {report.matcher}"
        legend = {k: KINDS[k][1] for k in ("seed", "found", "missed", "wrong")}
    options = ", ".join(f"{k}={v!r}" for k, v in report.options.items())
    parts = [
        f"<p>options: {html.escape(options or 'defaults')}</p>\n",
        _table_html(*summary_rows({report.matcher: report})),
        _legend(legend),
    ]
    for n, outcome in enumerate(report.documents):
        doc = outcome.document
        parts.append(
            f'<section class="doc" id="doc-{n}"><h2>{html.escape(doc.id)}</h2>'
            f'<div class="text">{marks_html(doc.text, _outcome_marks(outcome))}</div></section>\n'
        )
    return _page(title, "".join(parts))


def _cell(value: float | None, digits: int = 3) -> str:
    """A table cell: ``-`` for undefined, integers as is, ratios rounded."""
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def summary_rows(reports: Mapping[str, Report | SessionReport]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the summary table of reports by matcher name: per label, then overall.

    With several reports, a matcher column follows the label and each label has one row per matcher.
    """
    several = len(reports) > 1
    session = isinstance(next(iter(reports.values())), SessionReport)
    if session:
        header = ["label", "mentions", "clicks", "saved", "saved %", "manual", "accepted", "deleted"]
    else:
        header = ["label", "groups", "entity R", "type R", "precision", "sugg/group", "saved/group"]
    if several:
        header.insert(1, "matcher")
    labels = sorted({label for r in reports.values() for label in r.labels})
    rows = []
    # Each row's scores by what the row is, never by its name: a label may be called "macroeconomics".
    scores_of: list[tuple[str, Callable[[Any], Any]]] = [(lab, lambda r, lab=lab: r.labels.get(lab)) for lab in labels]
    scores_of.append(("overall" if session else "overall (micro)", lambda r: r.overall))
    if not session:
        scores_of.append(("macro (mean of labels)", lambda r: r.macro))
    for name, scores in scores_of:
        for matcher, r in reports.items():
            s = scores(r)
            if s is None:
                continue
            if session:
                share = s.clicks_saved / s.mentions if s.mentions else None
                cells = [
                    _cell(s.mentions),
                    _cell(s.clicks),
                    _cell(s.clicks_saved),
                    _cell(None if share is None else 100 * share, 1),
                    _cell(s.manual),
                    _cell(s.accepted),
                    _cell(s.deleted),
                ]
            else:
                cells = [_cell(s.groups), *(_cell(x) for x in s[:3]), _cell(s.suggestions, 2), _cell(s.clicks_saved, 2)]
            rows.append([name] + ([matcher] if several else []) + cells)
    return header, rows


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])

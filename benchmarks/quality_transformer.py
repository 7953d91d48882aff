"""Suggestion quality of the transformer matcher next to the exact matcher, on gold corpora, per threshold.

The seed protocol and its scores are ``spansuggest.evaluate.evaluate`` (``../shared/corpora/README.md``):
one seed per entity group (its first mention); same-entity recall, same-type recall and precision, micro.

``--mention-type PROP`` (for LitBank; ``--proper-only`` is short for it; ``NOM`` for common-noun mentions such as
"the old man"): the gold is cut to mentions of that ``mention_type``, so groups, recall and precision count those only; ``P(any)`` also counts a suggestion right when it equals any gold
mention with its label (a nominal "the man" included), as the LitBank target was first measured.

The transformer runs once per seed with every candidate kept (``threshold=0``, ``overlaps=allow``); each
threshold then keeps the suggestions scoring at least that (the exact matcher's hits always stay) and applies
the configured overlap policy with the shared ``select`` -- the same output as a matcher built with that
threshold, at the cost of one run.

    .venv/bin/python benchmarks/quality_transformer.py ../shared/corpora/wikigold.gold.jsonl
    .venv/bin/python benchmarks/quality_transformer.py ../shared/corpora/litbank.gold.jsonl --proper-only
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from spansuggest import Selection, Suggestion, get_matcher
from spansuggest.evaluate import Report, evaluate, read_gold
from spansuggest.matchers import declared_options, get_factory
from spansuggest.matchers.base import Matcher, resolve_seeds, select


class Thresholded:
    """A view of one all-candidates transformer run that keeps the suggestions scoring ``>= threshold``."""

    def __init__(self, everything: Matcher, threshold: float, overlaps: str, memo: dict) -> None:
        self.name, self.threshold, self.overlaps = everything.name, threshold, overlaps
        self.options = {**everything.options, "threshold": threshold, "overlaps": overlaps}
        self._everything, self._memo = everything, memo

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        key = (hash(text), tuple(selections), tuple(exclude))
        if key not in self._memo:
            self._memo[key] = self._everything.match(text, selections, exclude=exclude)
        kept = [s for s in self._memo[key] if s.reason != "similar" or s.score >= self.threshold]
        return select(kept, seeds=resolve_seeds(text, selections), exclude=exclude, overlaps=self.overlaps)


def precision_any(report: Report, full: dict[str, frozenset]) -> float | None:
    """Share of suggestions equal to any gold mention (of any mention type) with their label."""
    found = [(d.document.id, s) for d in report.documents for t in d.trials for s in t.suggestions]
    right = sum((s.start, s.end, s.label) in full[doc] for doc, s in found)
    return right / len(found) if found else None


def fmt(x: float | None) -> str:
    return f"{x:.3f}" if x is not None else "  -  "


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", type=Path, help="a *.gold.jsonl file")
    ap.add_argument("--thresholds", default="0.6,0.65,0.7,0.75,0.8,0.85")
    ap.add_argument("--docs", type=int, default=0, help="evaluate only the first N documents (0: all)")
    ap.add_argument("--mention-type", help="gold cut to mentions of this mention_type (LitBank: PROP, NOM)")
    ap.add_argument("--proper-only", action="store_const", const="PROP", dest="mention_type", help="--mention-type PROP")
    ap.add_argument("-o", "--option", action="append", default=[], help="transformer option NAME=VALUE")
    args = ap.parse_args()
    if not args.gold.is_file():
        sys.exit(f"no gold file at {args.gold}")
    options: dict[str, Any] = dict(kv.split("=", 1) for kv in args.option)
    declared = {o.name: o.default for o in declared_options(get_factory("transformer"))}
    report_t = float(options.pop("threshold", declared["threshold"]))
    overlaps = options.pop("overlaps", declared["overlaps"])
    thresholds = sorted({float(t) for t in args.thresholds.split(",")} | {report_t})
    everything = get_matcher("transformer", **options, threshold=0.0, overlaps="allow")

    limit = args.docs or None
    full = {d.id: d.labeled_spans() for d in islice(read_gold(args.gold), limit)}
    docs = list(islice(read_gold(args.gold, mention_type=args.mention_type), limit))

    t0 = time.perf_counter()
    memo: dict = {}
    reports = [("exact", evaluate(docs, get_matcher("exact")))]
    reports += [(f"t={t:g}", evaluate(docs, Thresholded(everything, t, overlaps, memo))) for t in thresholds]
    elapsed = time.perf_counter() - t0

    shown = {k: v for k, v in everything.options.items() if k not in ("threshold", "overlaps")}
    print(
        f"# {args.gold.name}: {len(docs)} docs, {reports[0][1].overall.groups} seeds, {elapsed:.0f} s, "
        f"overlaps {overlaps}, options {shown}" + (f", {args.mention_type} mentions" if args.mention_type else "")
    )
    print(f"{'matcher':8} {'same-entity R':>13} {'same-type R':>11} {'precision':>9} {'P(any)':>6} {'per seed':>8}")
    for name, r in reports:
        o = r.overall
        print(
            f"{name:8} {fmt(o.entity_recall):>13} {fmt(o.type_recall):>11} {fmt(o.precision):>9} "
            f"{fmt(precision_any(r, full)):>6} {fmt(o.suggestions):>8}"
        )
    print("\nper label, same-type R / P:")
    labels = sorted(reports[0][1].labels)
    print(
        f"{'matcher':8} "
        + " ".join(f"{lab + ' (' + str(reports[0][1].labels[lab].groups) + ')':>12}" for lab in labels)
    )
    for name, r in reports:
        cells = [f"{fmt(r.labels[lab].type_recall)}/{fmt(r.labels[lab].precision)}" for lab in labels]
        print(f"{name:8} " + " ".join(f"{c:>12}" for c in cells))


if __name__ == "__main__":
    main()

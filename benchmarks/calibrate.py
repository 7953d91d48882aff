"""Calibrate a matcher's scores: raw score -> share of its suggestions that are right, pooled over gold corpora.

This is how the built-in table ``spansuggest.matchers.combined.CALIBRATIONS`` is measured, and how a plugin
author measures the ``CALIBRATION`` their matcher declares: run the seed protocol of
``../shared/corpora/README.md`` (``spansuggest.evaluate.evaluate``) on each gold file, mark every suggestion
right when it equals a gold span with its label, bucket the scores, then make precision non-decreasing in the
score by isotonic regression (weighted by bucket size). Each knot sits at its bucket's mean raw score.

    .venv/bin/python benchmarks/calibrate.py transformer ../shared/corpora/*.gold.jsonl -o threshold=0

Give options that widen what the matcher returns (``threshold=0``) so that every score it can give is seen.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import isotonic_regression

from spansuggest import get_matcher
from spansuggest.evaluate import evaluate, read_gold


def scored_suggestions(matcher, path: Path) -> list[tuple[float, bool]]:
    """(score, right) for every suggestion the matcher makes under the seed protocol on one gold file."""
    report = evaluate(read_gold(path), matcher)
    out = []
    for outcome in report.documents:
        gold = outcome.document.labeled_spans()
        out += [(s.score, (s.start, s.end, s.label) in gold) for t in outcome.trials for s in t.suggestions]
    return out


def calibration(pairs: list[tuple[float, bool]], bucket: float) -> tuple[list[tuple[float, int, float]], str]:
    """Per bucket (mean score, n, precision), and the isotonic knots ``"raw:calibrated,..."``."""
    buckets: dict[int, list[tuple[float, bool]]] = defaultdict(list)
    for score, right in pairs:
        buckets[int(np.floor(score / bucket + 1e-9))].append((score, right))
    rows = []
    for k in sorted(buckets):
        scores, rights = zip(*buckets[k])
        rows.append((float(np.mean(scores)), len(scores), float(np.mean(rights))))
    fitted = isotonic_regression([p for _, _, p in rows], weights=[n for _, n, _ in rows], increasing=True).x
    knots = ",".join(f"{min(1.0, round(x, 3)):g}:{round(float(y), 3):g}" for (x, _, _), y in zip(rows, fitted))
    return rows, knots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("matcher", help="a registered matcher name (or a+b, or a .toml config)")
    ap.add_argument("gold", type=Path, nargs="+", help="*.gold.jsonl files, pooled")
    ap.add_argument("-o", "--option", action="append", default=[], help="matcher option NAME=VALUE")
    ap.add_argument("--bucket", type=float, default=0.05, help="width of a score bucket")
    args = ap.parse_args()
    missing = [str(p) for p in args.gold if not p.is_file()]
    if missing:
        sys.exit(f"no gold file at {', '.join(missing)}")
    matcher = get_matcher(args.matcher, **dict(kv.split("=", 1) for kv in args.option))
    pairs = [pair for path in args.gold for pair in scored_suggestions(matcher, path)]
    if not pairs:
        sys.exit("the matcher made no suggestion: nothing to calibrate")
    rows, knots = calibration(pairs, args.bucket)
    print(f"# {matcher.name} {dict(matcher.options)}: {len(pairs)} suggestions on {len(args.gold)} gold files")
    print(f"{'mean score':>10} {'n':>6} {'precision':>9}")
    for mean, n, precision in rows:
        print(f"{mean:10.3f} {n:6d} {precision:9.3f}")
    print(f"\nknots: {knots}")


if __name__ == "__main__":
    main()

"""Suggestion quality of the string matchers per behaviour: the issue-2 baseline, the defaults, and each behaviour off.

    python benchmarks/quality_string.py [--corpora ../shared/corpora] [--sets wikigold sec_fin5 ...]
                                        [--matcher exact] [--show-misses N]

Every number comes from :func:`spansuggest.evaluate.evaluate` (the corpora README's seed protocol: one seed,
the group's first mention). Rows: ``before`` (issue-2 defaults: case-sensitive, no refinement),
``before, ignore case``, ``defaults``, then the defaults with one behaviour turned off (ablation).
Columns per set: same-entity recall / precision / suggestions per seed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from spansuggest import get_matcher
from spansuggest.evaluate import Report, evaluate, read_gold

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SETS = ("wikigold", "sec_fin5", "ncbi_disease_test", "litbank")
PLAIN = {"name_guard": False, "abbreviations": False, "inflections": False}
ROWS: dict[str, dict[str, Any]] = {
    "before (issue 2: case-sensitive)": {"case": "sensitive", **PLAIN},
    "before, case-insensitive": {"case": "insensitive", **PLAIN},
    "defaults": {},
    "  case=sensitive": {"case": "sensitive"},
    "  case=insensitive": {"case": "insensitive"},
    "  name_guard off": {"name_guard": False},
    "  abbreviations off": {"abbreviations": False},
    "  inflections off": {"inflections": False},
}


def cell(report: Report) -> str:
    s = report.overall
    return f"{s.entity_recall:.3f} / {s.precision:.3f} / {s.suggestions:5.2f}"


def show_misses(report: Report, limit: int) -> None:
    """Print up to ``limit`` wrong suggestions and missed mentions, with context (for reading, not scoring)."""
    wrong, missed = [], []
    for outcome in report.documents:
        text = outcome.document.text
        gold = outcome.document.labeled_spans()
        for trial in outcome.trials:
            seed = text[trial.seeds[0].start : trial.seeds[0].end]
            hit = {(s.start, s.end) for s in trial.suggestions}
            for s in trial.suggestions:
                if (s.start, s.end, s.label) not in gold:
                    wrong.append(f"  wrong  {seed!r}: {text[max(0, s.start - 25):s.start]!r} [{s.text}] "
                                 f"{text[s.end:s.end + 25]!r} ({s.reason})")
            for a, b in sorted(trial.others - hit):
                missed.append(f"  missed {seed!r}: {text[max(0, a - 25):a]!r} [{text[a:b]}] {text[b:b + 25]!r}")
    for line in wrong[:limit] + missed[:limit]:
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--matcher", default="exact", choices=["exact", "fuzzy"])
    parser.add_argument("--show-misses", type=int, default=0, metavar="N", help="print N wrong and N missed per set")
    args = parser.parse_args(argv)

    docs = {name: list(read_gold(args.corpora / f"{name}.gold.jsonl")) for name in args.sets}
    print(f"matcher {args.matcher}; cells: same-entity recall / precision / suggestions per seed")
    print(f"{'row':34}" + "".join(f"{name:>28}" for name in args.sets))
    for row, options in ROWS.items():
        matcher = get_matcher(args.matcher, **options)
        cells = [cell(evaluate(docs[name], matcher)) for name in args.sets]
        print(f"{row:34}" + "".join(f"{c:>28}" for c in cells))
    if args.show_misses:
        matcher = get_matcher(args.matcher)
        for name in args.sets:
            print(f"\n{name}, defaults:")
            show_misses(evaluate(docs[name], matcher), args.show_misses)


if __name__ == "__main__":
    main()

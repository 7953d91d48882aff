"""Exact matcher vs ``re`` and a bare ``str.find`` loop on a ~10 MB document, side by side in one run.

    python benchmarks/bench_exact.py [--size 10000000] [--corpus ../shared/corpora/texts] [--runs 5]

Case-insensitive, whole-word: the first click on a document (distinct content each run, so no cache applies)
and a repeat click on the same document, against ``re.finditer(r"\\b…\\b", re.I)``. Case-sensitive: against a
bare ``str.find`` loop (no word-boundary check at all). Prints medians and ratios (the machine is shared: read
the ratios, not the absolute times) and checks that the matches agree.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpora.planted import planted_document
from spansuggest import Selection, get_matcher
from spansuggest.matchers.exact import LITERAL

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "texts"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def find_loop(doc: str, name: str) -> list[tuple[int, int]]:
    """The floor: every occurrence of ``name`` by ``str.find``, nothing else."""
    out, pos = [], doc.find(name)
    while pos != -1:
        out.append((pos, pos + len(name)))
        pos = doc.find(name, pos + 1)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of .txt files (filler)")
    parser.add_argument("--name", default="Acme Corp")
    parser.add_argument("--runs", type=int, default=5, help="distinct documents timed (median reported)")
    args = parser.parse_args(argv)

    source = args.corpus if args.corpus.is_dir() else None
    planted = planted_document(args.size, args.name, source_dir=source)
    base = planted.text
    seed_plant = next(p for p in planted.plants if p.kind == "exact")
    print(f"document: {len(base):,} chars from {source or 'built-in filler'}; {len(planted.plants)} plants; "
          f"seed {seed_plant.text!r} at {seed_plant.start}")

    # The bars compare like with like: a plain literal search (LITERAL), with and without case. The default
    # matcher (smart case, name guard, abbreviations, inflections) is timed too, for the record.
    insensitive = get_matcher("exact", **{**LITERAL, "case": "insensitive"})
    sensitive = get_matcher("exact", **LITERAL)
    smart = get_matcher("exact")
    pattern = re.compile(r"\b" + re.escape(args.name) + r"\b", re.IGNORECASE)
    rows: dict[str, list[float]] = {
        k: [] for k in ("first", "repeat", "re", "cs", "find", "smart1", "smart2", "other")
    }
    disagreements = 0
    for run in range(args.runs + 1):  # run 0 warms up the process (tables, allocator) and is not counted
        prefix = f"Document {run}. "
        doc = prefix + base
        seed = [Selection(seed_plant.start + len(prefix), seed_plant.end + len(prefix), "ORG")]
        other = [Selection.pattern(base[seed_plant.end : seed_plant.end + 40].split()[1], "X")]  # a word after it
        gc.collect()  # collect the previous run's garbage outside the timings
        first_ms, first = timed(lambda: insensitive.match(doc, seed))
        repeat_ms, _ = timed(lambda: insensitive.match(doc, seed))
        other_ms, _ = timed(lambda: insensitive.match(doc, other))
        re_ms, by_re = timed(lambda: [m.span() for m in pattern.finditer(doc)])
        cs_ms, cs = timed(lambda: sensitive.match(doc, seed))
        find_ms, by_find = timed(lambda: find_loop(doc, args.name))
        smart_doc = "Smart " + doc  # distinct content: its own first click
        smart_seed = [seed[0]._replace(start=seed[0].start + 6, end=seed[0].end + 6)]
        gc.collect()
        smart1_ms, _ = timed(lambda: smart.match(smart_doc, smart_seed))
        smart2_ms, _ = timed(lambda: smart.match(smart_doc, smart_seed))
        ours = {(s.start, s.end) for s in first} | {(seed[0].start, seed[0].end)}
        disagreements += len(ours ^ set(by_re))
        assert {(s.start, s.end) for s in cs} <= set(by_find)
        if run:
            values = (first_ms, repeat_ms, re_ms, cs_ms, find_ms, smart1_ms, smart2_ms, other_ms)
            for key, value in zip(rows, values):
                value_list = rows[key]
                value_list.append(value)
    med = {k: statistics.median(v) for k, v in rows.items()}
    found_plants = {(p.start, p.end) for p in planted.plants if p.kind in ("exact", "case")}
    last_found = {(s.start - len(prefix), s.end - len(prefix)) for s in first} | {(seed_plant.start, seed_plant.end)}
    print(f"\ncase-insensitive whole-word, median of {args.runs} documents:")
    print(f"  spansuggest first click   {med['first']:8.1f} ms   {med['re'] / med['first']:6.1f}x re   (bar 5x)")
    print(f"  spansuggest repeat click  {med['repeat']:8.1f} ms   {med['re'] / med['repeat']:6.1f}x re   (bar 20x; "
          "same seed: its hits are remembered)")
    print(f"  repeat, another seed      {med['other']:8.1f} ms   {med['re'] / med['other']:6.1f}x re   "
          "(cached view, a new search)")
    print(f"  re \\b…\\b IGNORECASE       {med['re']:8.1f} ms")
    print(f"  matches: {len(first) + 1} (seed included) vs re {len(by_re)}; disagreements over all runs: {disagreements}")
    print(f"  exact+case plants found: {len(found_plants & last_found)}/{len(found_plants)}")
    print(f"  default options (smart case, guard, abbreviations, inflections): first {med['smart1']:.1f} ms "
          f"({med['re'] / med['smart1']:.1f}x re), repeat {med['smart2']:.1f} ms ({med['re'] / med['smart2']:.1f}x re)")
    print("\ncase-sensitive whole-word:")
    print(f"  spansuggest               {med['cs']:8.1f} ms   {med['find'] / med['cs']:6.2f}x str.find loop   (bar 0.6x)")
    print(f"  bare str.find loop        {med['find']:8.1f} ms   ({len(by_find)} raw occurrences, {len(cs) + 1} whole-word)")


if __name__ == "__main__":
    main()

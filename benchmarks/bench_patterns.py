"""Many-pattern matching: the gazetteer vs ahocorasick_rs (leftmost-longest) vs pyahocorasick ``iter()``.

Builds a haystack of about ``--mb`` MB from the corpus texts and ``--patterns`` word n-grams sampled from it,
runs every peer in this process (best of ``--repeat``) and prints times, match counts and ratios.

    .venv/bin/python benchmarks/bench_patterns.py --corpus ../shared/corpora/texts
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

import ahocorasick
import ahocorasick_rs

from spansuggest.matchers.gazetteer import Gazetteer
from spansuggest.text import is_whole_word


def best(fn, repeat: int):  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="folder of .txt files")
    ap.add_argument("--mb", type=float, default=10.0)
    ap.add_argument("--patterns", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    base = " ".join(p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.txt")))
    size = int(args.mb * 1e6)
    text = (base * (size // len(base) + 1))[:size]
    words = re.findall(r"\w+", base)
    rng = random.Random(args.seed)
    patterns: set[str] = set()
    while len(patterns) < args.patterns:
        i = rng.randrange(len(words) - 3)
        candidate = " ".join(words[i : i + rng.choice([1, 2, 2, 3])])
        if len(candidate) >= 4:
            patterns.add(candidate)
    pats = sorted(patterns)
    print(f"haystack {len(text):,} chars, {len(pats):,} patterns (word 1-3-grams), best of {args.repeat}")

    rs = ahocorasick_rs.AhoCorasick(pats, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    t_rs, rs_found = best(lambda: rs.find_matches_as_indexes(text), args.repeat)
    automaton = ahocorasick.Automaton()
    for i, p in enumerate(pats):
        automaton.add_word(p, (i, len(p)))
    automaton.make_automaton()
    t_py, py_count = best(lambda: sum(1 for _ in automaton.iter(text)), args.repeat)

    rows = [("ahocorasick_rs leftmost-longest", t_rs, len(rs_found)), ("pyahocorasick iter() (overlapping)", t_py, py_count)]
    for whole_word in (False, True):
        gazetteer = Gazetteer([("X", p) for p in pats], whole_word=whole_word)
        gazetteer.spans("warm up")
        t, found = best(lambda g=gazetteer: g.spans(text), args.repeat)
        rows.append((f"gazetteer.spans whole_word={whole_word}", t, len(found)))
        ours = [(s, e) for s, e, _ in found]
        if whole_word:
            filtered = [(s, e) for _, s, e in rs_found if is_whole_word(text, s, e)]
            lost = len(set(ours) - set(filtered))
            print(f"whole words: rs + whole-word filter finds {len(filtered):,}; the gazetteer {len(ours):,} "
                  f"({lost:,} whole-word matches the filter loses behind a longer partial match)")
        else:
            same = ours == [(s, e) for _, s, e in rs_found]
            print(f"whole_word=False: same matches as ahocorasick_rs: {same}")
        t_match, suggestions = best(lambda g=gazetteer: g.match(text), 1)
        rows.append((f"gazetteer.match whole_word={whole_word} (Suggestions)", t_match, len(suggestions)))
    print(f"{'peer':55} {'seconds':>8} {'MB/s':>7} {'matches':>10} {'rs time / time':>15}")
    for name, t, n in rows:
        print(f"{name:55} {t:8.3f} {len(text) / 1e6 / t:7.1f} {n:10,} {t_rs / t:15.2f}")


if __name__ == "__main__":
    main()

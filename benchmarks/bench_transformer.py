"""Speed of the transformer matcher: first and next click on one document, next to a bare forward pass.

    .venv/bin/python benchmarks/bench_transformer.py --corpus ../shared/corpora/texts --chars 100000 --repeat 5
    .venv/bin/python benchmarks/bench_transformer.py --corpus ../shared/corpora/texts --chars 1000000 --no-bare

The document is the first ``--chars`` characters of the corpus's novels joined; the seed is the first
occurrence of ``--seed``. "first click" builds everything a new document needs (candidates, encoding);
"next click" is the same request again (cache); ``--repeat N`` times both on N fresh matchers (models stay
loaded) and reports the best. The bare forward pass runs the model over the same tokens in disjoint windows
with no tokenising, overlap, pooling or candidates: first click / bare = overhead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from spansuggest import Selection, get_matcher


def clock(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` once; return (seconds, result)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpora/texts"))
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--seed", default="Alice")
    ap.add_argument("--candidates", default="auto,rule", help="comma-separated candidate sources to time")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare forward pass")
    ap.add_argument(
        "--repeat", type=int, default=1, help="cold clicks per source (best and median; a shared CPU is noisy)"
    )
    args = ap.parse_args()
    files = sorted(args.corpus.glob("*.txt"))
    if not files:
        sys.exit(f"no *.txt under {args.corpus}")
    text = " ".join(f.read_text(encoding="utf-8") for f in files)[: args.chars]
    at = text.find(args.seed)
    if at < 0:
        sys.exit(f"{args.seed!r} does not occur in the first {args.chars} characters")
    seeds = [Selection(at, at + len(args.seed), "PER")]

    load_s, matcher = clock(lambda: get_matcher("transformer"))
    enc = matcher.encoder
    enc.encode("warm up the kernels", bf16=matcher.options["bf16"])
    ids = enc.tokens(text)[0]
    enc.forward_only(ids[:1024], matcher.options["window"], matcher.options["bf16"], matcher.options["layer"])
    print(f"# {len(text):,} chars, {len(ids):,} tokens; model load {load_s:.2f} s; options {dict(matcher.options)}")
    bare = None
    if not args.no_bare:
        bare, _ = clock(
            lambda: enc.forward_only(ids, matcher.options["window"], matcher.options["bf16"], matcher.options["layer"])
        )
        print(f"bare forward pass       {bare:7.3f} s  {len(ids) / bare:8.0f} tokens/s")
    get_matcher("transformer").match(text[:2000], [Selection.pattern(args.seed, "PER")])  # load spaCy too
    for source in args.candidates.split(","):
        firsts, seconds = [], []
        for _ in range(args.repeat):  # a new matcher: a cold document cache, the loaded models
            m = get_matcher("transformer", candidates=source)
            first, out = clock(lambda m=m: m.match(text, seeds))
            second, again = clock(lambda m=m: m.match(text, seeds))
            assert out == again and all(text[s.start : s.end] == s.text for s in out)
            firsts.append(first)
            seconds.append(second)
        first, second = min(firsts), min(seconds)
        ratio = f"  overhead x{first / bare:.2f} vs bare" if bare else ""
        runs = f"  (best of {args.repeat}, median {statistics.median(firsts):.3f} s)" if args.repeat > 1 else ""
        print(f"{source:5} ({m.source:5}) first click {first:7.3f} s  {len(ids) / first:8.0f} tokens/s{ratio}{runs}")
        print(f"{source:5} ({m.source:5}) next click  {second * 1000:7.1f} ms  ({len(out)} suggestions)")


if __name__ == "__main__":
    main()

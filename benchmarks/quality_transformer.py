"""Suggestion quality of the transformer matcher next to the exact matcher, on gold corpora, per threshold.

Seed protocol of ``../shared/corpora/README.md``: every entity group (same ``entity_id``, else same label and
lower-cased surface) with two or more mentions gives one seed, its first mention. Reported, micro-averaged:
same-entity recall (the group's other mentions suggested, exact offsets), same-type recall (all other gold
mentions with the seed's label), precision (suggestions equal to a gold span with the seed's label).

``--proper-only`` (for LitBank): groups and recall use proper-name mentions (``mention_type`` PROP) only;
precision still counts a suggestion right when it equals any gold span with the seed's label, and the
recall of nominal mentions (``NOM``, "the man") is reported separately.

The matcher runs once per seed at the lowest threshold; a higher threshold keeps the suggestions scoring at
least that (exact-surface hits always stay). With the ``best-score`` overlap policy this equals running at
that threshold. This compact protocol should move onto ``spansuggest.evaluate`` once that exists.

    .venv/bin/python benchmarks/quality_transformer.py ../shared/corpora/wikigold.gold.jsonl
    .venv/bin/python benchmarks/quality_transformer.py ../shared/corpora/litbank.gold.jsonl --proper-only
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from spansuggest import Selection, get_matcher
from spansuggest.matchers import declared_options, get_factory


def groups_of(entities: list[dict], proper_only: bool) -> list[list[dict]]:
    """Entity groups with at least two mentions, each sorted by position (the first is the seed)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for ent in entities:
        if proper_only and ent.get("mention_type") != "PROP":
            continue
        key = ("id", ent["entity_id"]) if ent.get("entity_id") is not None else (ent["label"], ent["text"].lower())
        groups[key].append(ent)
    return [sorted(g, key=lambda e: (e["start"], e["end"])) for g in groups.values() if len(g) >= 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", type=Path, help="a *.gold.jsonl file")
    ap.add_argument("--thresholds", default="0.3,0.35,0.4,0.45,0.5,0.55,0.6")
    ap.add_argument("--docs", type=int, default=0, help="evaluate only the first N documents (0: all)")
    ap.add_argument("--proper-only", action="store_true", help="seeds and recall over PROP mentions (LitBank)")
    ap.add_argument("-o", "--option", action="append", default=[], help="transformer option NAME=VALUE")
    args = ap.parse_args()
    if not args.gold.is_file():
        sys.exit(f"no gold file at {args.gold}")
    thresholds = sorted(float(t) for t in args.thresholds.split(","))
    options = dict(kv.split("=", 1) for kv in args.option)
    default = next(o.default for o in declared_options(get_factory("transformer")) if o.name == "threshold")
    report_t = float(options.pop("threshold", default))
    thresholds = sorted(set(thresholds) | {report_t})
    transformer = get_matcher("transformer", **options, threshold=thresholds[0])
    exact = get_matcher("exact")
    docs = [json.loads(line) for line in args.gold.open()]
    docs = docs[: args.docs] if args.docs else docs

    rows = {name: Counter() for name in ["exact"] + [f"t={t:g}" for t in thresholds]}
    per_label: dict[str, Counter] = defaultdict(Counter)  # at the reported (default) threshold
    t0 = time.perf_counter()
    for doc in docs:
        text, ents = doc["text"], doc["entities"]
        gold_by_label: dict[str, set] = defaultdict(set)
        kinds: dict[tuple, str] = {}
        for e in ents:
            gold_by_label[e["label"]].add((e["start"], e["end"]))
            kinds[(e["start"], e["end"], e["label"])] = e.get("mention_type", "")
        for group in groups_of(ents, args.proper_only):
            seed = group[0]
            label, seed_span = seed["label"], (seed["start"], seed["end"])
            same_entity = {(e["start"], e["end"]) for e in group[1:]} - {seed_span}
            same_type = {
                (s, e)
                for (s, e) in gold_by_label[label]
                if (s, e) != seed_span and (not args.proper_only or kinds[(s, e, label)] == "PROP")
            }
            nominal = {(s, e) for (s, e) in gold_by_label[label] if kinds[(s, e, label)] == "NOM"} - {seed_span}
            sel = [Selection(seed["start"], seed["end"], label)]
            found_t = transformer.match(text, sel)
            runs = [("exact", exact.match(text, sel))]
            runs += [(f"t={t:g}", [s for s in found_t if s.reason == "exact" or s.score >= t]) for t in thresholds]
            for name, found in runs:
                spans = {(s.start, s.end) for s in found}
                c = rows[name]
                c["seeds"] += 1
                c["ent_hit"] += len(spans & same_entity)
                c["ent_all"] += len(same_entity)
                c["type_hit"] += len(spans & same_type)
                c["type_all"] += len(same_type)
                c["nom_hit"] += len(spans & nominal)
                c["nom_all"] += len(nominal)
                c["correct"] += len(spans & gold_by_label[label])
                c["suggested"] += len(spans)
                if name == f"t={report_t:g}":
                    pl = per_label[label]
                    pl["type_hit"] += len(spans & same_type)
                    pl["type_all"] += len(same_type)
                    pl["correct"] += len(spans & gold_by_label[label])
                    pl["suggested"] += len(spans)
                    pl["seeds"] += 1
    elapsed = time.perf_counter() - t0

    def ratio(a: int, b: int) -> str:
        return f"{a / b:.3f}" if b else "  -  "

    print(
        f"# {args.gold.name}: {len(docs)} docs, {rows['exact']['seeds']} seeds, {elapsed:.0f} s, "
        f"options {dict(transformer.options)}" + (", PROP mentions" if args.proper_only else "")
    )
    print(f"{'matcher':10} {'same-entity R':>13} {'same-type R':>11} {'precision':>9} {'NOM R':>6} {'suggested':>9}")
    for name, c in rows.items():
        print(
            f"{name:10} {ratio(c['ent_hit'], c['ent_all']):>13} {ratio(c['type_hit'], c['type_all']):>11} "
            f"{ratio(c['correct'], c['suggested']):>9} {ratio(c['nom_hit'], c['nom_all']):>6} {c['suggested']:>9}"
        )
    print(f"\nper label at the reported threshold t={report_t:g} (-o threshold=T to change):")
    for label, c in sorted(per_label.items()):
        print(
            f"  {label:5} seeds {c['seeds']:4}  same-type R {ratio(c['type_hit'], c['type_all'])}  "
            f"P {ratio(c['correct'], c['suggested'])}"
        )


if __name__ == "__main__":
    main()

"""The conformance suite: checks that any matcher keeps the protocol's invariants.

``check_matcher(matcher)`` runs a fixed battery of hostile-Unicode documents with seeds, edge-case
selections and seeded random cases, and raises one ``AssertionError`` listing every failed property. It
checks invariants only (never which spans a matcher should find), so a fuzzy or a transformer matcher is
held to the same rules as an exact one::

    from spansuggest.testing import check_matcher

    def test_my_matcher_conforms():
        check_matcher(MyMatcher())
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any, NamedTuple

from .matchers.base import Matcher
from .text import splits_grapheme
from .types import Selection, Suggestion

__all__ = ["HOSTILE_CASES", "Case", "check_matcher"]

Span = tuple[int, int]
ZWJ = "\u200d"
MAX_REPORTED = 60


class Case(NamedTuple):
    """One input of the battery: a named document, its selections and the regions that already exist."""

    name: str
    text: str
    selections: tuple[Selection, ...]
    exclude: tuple[Span, ...] = ()


def _seeded(name: str, text: str, seed: str, label: str = "X", *, exclude: Iterable[str] = ()) -> Case:
    """A case whose seed is the first occurrence of ``seed`` and whose exclusions are the last of each."""
    start = text.index(seed)
    spans = tuple((text.rindex(x), text.rindex(x) + len(x)) for x in exclude)
    return Case(name, text, (Selection(start, start + len(seed), label),), spans)


HOSTILE_CASES: tuple[Case, ...] = (
    _seeded("zwj-emoji", "👩‍👩‍👧 family met 👩‍👩‍👧 family and 👩‍👩‍👧family, 👨‍👩‍👧 family.", "👩‍👩‍👧 family"),
    _seeded("flags", "🇫🇷 France beat 🇩🇪 Germany; France 🇫🇷 and France🇫🇷 again: France.", "France"),
    _seeded("dotted-capital-i", "İstanbul is big. ISTANBUL, istanbul, i̇stanbul and İstanbul.", "İstanbul"),
    _seeded("sharp-s", "Die Straße und die STRASSE, die strasse, Strasse und Straße.", "Straße"),
    _seeded("ligature", "ﬁnance office: finance, FINANCE, ﬁnance and ﬁnancé.", "ﬁnance"),
    _seeded("combining-accents", "José met José (decomposed), Jose, JOSÉ and Josè at José's.", "José"),
    _seeded("crlf-tabs", "New York\r\nNew\r\nYork\tNew\tYork  New York\r\nnew york", "New York"),
    _seeded("rtl", "שלום עולם. אמר שלום לכולם, שלום! مرحبا بالعالم مرحبا.", "שלום", label="RTL"),
    _seeded("mixed-bidi", "Acme (אקמי) sold Acme to ACME\u200f and \u200eAcme.", "Acme", exclude=["Acme"]),
    _seeded("astral-and-marks", "𝒜cme 𝒜cme a\u0301b a\u0301b 𝒜cme\u0301 x", "𝒜cme", label="ORG"),
    Case(
        "two-labels",
        "Paris Hilton visited Paris. Paris Hilton liked Paris; Hilton too.",
        (Selection(0, 12, "PER"), Selection(21, 26, "LOC")),
    ),
    Case("pattern-seed", "Acme Corp and acme corp. ACME CORP!", (Selection.pattern("Acme Corp", "ORG"),)),
)

_WORDS = ("Acme", "acme", "İ", "ß", "ﬁ", "é", "e\u0301", "👩‍💻", "🇯🇵", "שלום", "x", "Co.", "the", "2024", "\u00a0")
_SEPARATORS = (" ", " ", " ", "\t", "\r\n", ", ", "")


def _random_case(rng: random.Random, index: int) -> Case:
    """A small random document of hostile words, a seed on one word or two, and maybe an existing region."""
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 40))]
    text, starts = "", []
    for word in words:
        starts.append(len(text))
        text += word + rng.choice(_SEPARATORS)
    k = rng.randrange(len(words))
    width = rng.choice((1, 1, 2))
    end = starts[min(k + width, len(words)) - 1] + len(words[min(k + width, len(words)) - 1])
    selections = [Selection(starts[k], end, rng.choice(("A", "B")))]
    exclude: list[Span] = []
    if rng.random() < 0.5:
        j = rng.randrange(len(words))
        exclude.append((starts[j], starts[j] + len(words[j])))
    return Case(f"random-{index}", text, tuple(selections), tuple(exclude))


def _edge_cases() -> list[Case]:
    """Selections that carry nothing to search for, or everything."""
    text = "Acme Corp.\tAcme Corp, ACME CORP\r\n" * 3
    huge = ("Acme and Beta went home. " * 240)[:5_000]
    return [
        Case("empty-selection", text, (Selection(4, 4, "ORG"),)),
        Case("whitespace-selection", text, (Selection(10, 11, "ORG"),)),
        Case("empty-pattern", text, (Selection.pattern("   ", "ORG"),)),
        Case("no-selections", text, ()),
        Case("empty-text", "", (Selection.pattern("Acme", "ORG"),)),
        Case("whole-text-selection", text, (Selection(0, len(text), "ORG"),)),
        Case("huge-selection", huge + " Acme and Beta.", (Selection(0, len(huge), "ORG"),)),
        Case("excluded-everything", text, (Selection(0, 4, "ORG"),), ((0, len(text)),)),
    ]


_NOTHING_TO_FIND = {"empty-selection", "whitespace-selection", "empty-pattern", "no-selections", "empty-text",
                    "whole-text-selection", "excluded-everything"}


def _cuts_character(text: str, start: int, end: int) -> bool:
    """A span edge inside a user-perceived character (the text layer's rule), or a span that begins or ends with
    a zero-width joiner (at the text's edges too, where no character is split but the span is still no word)."""
    return splits_grapheme(text, start, end) or ZWJ in (text[start], text[end - 1])


def _overlapping(a: Suggestion, b: Suggestion) -> bool:
    return a.start < b.end and b.start < a.end


def _check_output(case: Case, out: Any, allows_overlaps: bool, fail: Callable[[str], None]) -> None:
    """Every property of one output: type, offsets, label, score, seeds, exclusions, order, overlaps."""
    if not isinstance(out, list):
        fail(f"returned a {type(out).__name__}, not a list")
        return
    text, labels = case.text, {s.label for s in case.selections}
    blocked = [(s.start, s.end) for s in case.selections if s.end > s.start] + list(case.exclude)
    if case.name in _NOTHING_TO_FIND and out:
        fail(f"returned {len(out)} suggestions where nothing can be suggested, first {out[0]!r}")
    for s in out:
        if not isinstance(s, Suggestion):
            fail(f"returned a {type(s).__name__}, not a Suggestion: {s!r}")
            continue
        where = f"suggestion [{s.start}, {s.end}) {s.text!r}"
        if not (isinstance(s.start, int) and isinstance(s.end, int) and 0 <= s.start < s.end <= len(text)):
            fail(f"{where}: offsets not ints with 0 <= start < end <= {len(text)}")
            continue
        if text[s.start : s.end] != s.text:
            fail(f"{where}: text[start:end] is {text[s.start:s.end]!r}, not its text")
        if _cuts_character(text, s.start, s.end):
            fail(f"{where}: cuts a character in half (a combining mark, a joined emoji or a flag)")
        if s.label not in labels:
            fail(f"{where}: label {s.label!r} is no selection's label ({', '.join(sorted(labels))})")
        if not (isinstance(s.score, (int, float)) and not math.isnan(s.score) and 0.0 <= s.score <= 1.0):
            fail(f"{where}: score {s.score!r} is not in [0, 1]")
        if not (isinstance(s.matcher, str) and s.matcher):
            fail(f"{where}: matcher {s.matcher!r} is not a non-empty string")
        for b in blocked:
            if s.start < max(b[1], b[0] + 1) and b[0] < s.end:
                fail(f"{where}: overlaps a seed or existing region {b}")
    if any(not isinstance(s, Suggestion) for s in out):
        return
    if [(s.start, s.end) for s in out] != sorted((s.start, s.end) for s in out):
        fail("suggestions are not sorted by position")
    keys = [(s.start, s.end, s.label) for s in out]
    if len(set(keys)) != len(keys):
        fail("the same span and label is suggested twice")
    if not allows_overlaps:
        for a, b in pairwise(out):
            if _overlapping(a, b):
                fail(f"overlapping suggestions {a.start, a.end} and {b.start, b.end} (overlap policy forbids them)")


def _run(matcher: Matcher, case: Case, fail: Callable[[str], None]) -> list[Suggestion] | None:
    """One call of ``match`` with a copy of the case's inputs; failures if it raises or mutates them."""
    selections, exclude = list(case.selections), list(case.exclude)
    try:
        out = matcher.match(case.text, selections, exclude=exclude)
    except Exception as exc:  # noqa: BLE001 - any exception on valid input is a failure to report
        fail(f"raised {type(exc).__name__}: {exc}")
        return None
    if selections != list(case.selections) or exclude != list(case.exclude):
        fail("modified the selections or exclusions it was given")
    return out


def check_matcher(matcher: Matcher, *, random_cases: int = 30, seed: int = 0) -> None:
    """Run the conformance battery on ``matcher``; raise ``AssertionError`` listing every failed property."""
    failures: list[str] = []

    def failing(case: str) -> Callable[[str], None]:
        return lambda message: failures.append(f"[{case}] {message}")

    if not (isinstance(getattr(matcher, "name", None), str) and matcher.name):
        failures.append("[protocol] name is not a non-empty string")
    options = getattr(matcher, "options", None)
    if not isinstance(options, Mapping):
        failures.append("[protocol] options is not a mapping")
    allows_overlaps = isinstance(options, Mapping) and options.get("overlaps") == "allow"

    rng = random.Random(seed)
    cases = [*HOSTILE_CASES, *_edge_cases(), *(_random_case(rng, i) for i in range(random_cases))]
    for case in cases:
        fail = failing(case.name)
        first = _run(matcher, case, fail)
        if first is None:
            continue
        _check_output(case, first, allows_overlaps, fail)
        again = _run(matcher, case, lambda m: None)
        if again is not None and again != first:
            fail("not deterministic: a second identical call returned something else")

    _check_bad_input(matcher, failures)
    if failures:
        shown = failures[:MAX_REPORTED]
        more = f"\n  ... and {len(failures) - MAX_REPORTED} more" if len(failures) > MAX_REPORTED else ""
        raise AssertionError(
            f"matcher {getattr(matcher, 'name', matcher)!r} failed {len(failures)} conformance checks:\n  "
            + "\n  ".join(shown)
            + more
        )


_BAD_SELECTIONS: Sequence[tuple[str, Selection]] = (
    ("selection-past-end", Selection(5, 99, "ORG")),
    ("reversed-selection", Selection(4, 2, "ORG")),
    ("negative-selection", Selection(-3, 2, "ORG")),
)


def _check_bad_input(matcher: Matcher, failures: list[str]) -> None:
    """Selections outside the text must raise a clear ``ValueError``, never crash otherwise or pass silently."""
    for name, selection in _BAD_SELECTIONS:
        try:
            matcher.match("Acme Corp and Acme.", [selection])
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - the wrong kind of error is what this check reports
            failures.append(f"[{name}] raised {type(exc).__name__} instead of ValueError: {exc}")
            continue
        failures.append(f"[{name}] accepted {selection!r} instead of raising ValueError")

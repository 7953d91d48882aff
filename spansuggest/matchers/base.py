"""The matcher protocol, its options declaration, and the steps every matcher shares.

A matcher is anything with a ``name``, an ``options`` mapping and
``match(text, selections, *, exclude=()) -> list[Suggestion]``. Subclass :class:`BaseMatcher` to get
declared, validated options and the shared seed handling (:func:`resolve_seeds`) and output rules
(:func:`select`): no seed, no span overlapping an existing region, a documented overlap policy, sorted
and deterministic output.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple, Protocol, runtime_checkable

from ..types import Selection, Suggestion

__all__ = [
    "OVERLAP_POLICIES",
    "BaseMatcher",
    "Matcher",
    "Option",
    "OptionError",
    "Seed",
    "resolve_seeds",
    "select",
]

Span = tuple[int, int]

OVERLAP_POLICIES = ("leftmost-longest", "best-score", "allow")
"""``leftmost-longest``: no overlaps, the earliest start wins, then the longest span, then the best score.
``best-score``: no overlaps, the best score wins, then the earliest start, then the longest span.
``allow``: overlapping suggestions are all kept (one per span and label, the best score)."""


@runtime_checkable
class Matcher(Protocol):
    """What every matcher, built-in or plugin, provides.

    A matcher may also offer ``prepare(text)``: the per-document work (an index, an encoding) done ahead of the
    first click; the server calls it for the tasks Label Studio reports as created.
    """

    name: str
    options: Mapping[str, Any]

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[Span] = ()
    ) -> list[Suggestion]:
        """Suggest every span of ``text`` that should carry a selection's label.

        Never returns a selection's span, a span overlapping ``exclude`` (regions that already exist), or
        overlapping spans unless the matcher's overlap policy says so. Same input, same output.
        """
        ...


class OptionError(ValueError):
    """An option that a matcher does not declare, or a value of the wrong type or range."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Option:
    """One declared matcher option: read by the Python API, the CLI and the server alike."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None

    def coerce(self, value: Any) -> Any:
        """Convert ``value`` (possibly a string from a command line) to this option's type, or raise.

        An option whose default is ``None`` is optional: ``None`` (unset) is accepted as is, so a matcher can
        always be rebuilt from its own ``options``.
        """
        if value is None and self.default is None:
            return None
        try:
            if self.type is bool:
                if isinstance(value, bool):
                    out: Any = value
                elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                    out = value.strip().lower() in _TRUE
                else:
                    raise ValueError
            elif self.type is int:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                out = int(value)
            elif self.type is float:
                if isinstance(value, bool):
                    raise ValueError
                out = float(value)
            else:
                out = self.type(value)
        except (TypeError, ValueError):
            raise OptionError(f"option {self.name!r} expects {self.type.__name__}, got {value!r}") from None
        if self.choices is not None and out not in self.choices:
            raise OptionError(f"option {self.name!r} must be one of {', '.join(map(str, self.choices))}; got {out!r}")
        if (self.min is not None and out < self.min) or (self.max is not None and out > self.max):
            raise OptionError(f"option {self.name!r} must be in [{self.min}, {self.max}]; got {out!r}")
        return out


def overlap_option(default: str) -> Option:
    """The overlap-policy option, declared the same way by every matcher."""
    return Option("overlaps", str, default, "overlap policy: " + " | ".join(OVERLAP_POLICIES), OVERLAP_POLICIES)


class BaseMatcher:
    """Convenience base: declared options (``OPTIONS``) validated at construction, exposed read-only.

    Unknown or ill-typed options raise :class:`OptionError` when the matcher is built (at start-up), not
    at the first request.
    """

    name: ClassVar[str] = ""
    OPTIONS: ClassVar[tuple[Option, ...]] = ()

    def __init__(self, **options: Any) -> None:
        declared = {o.name: o for o in self.OPTIONS}
        unknown = sorted(set(options) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none"
            raise OptionError(f"{self.name} matcher has no option {', '.join(map(repr, unknown))} (options: {known})")
        values = {name: o.default for name, o in declared.items()}
        values.update({name: declared[name].coerce(v) for name, v in options.items()})
        self.options: Mapping[str, Any] = MappingProxyType(values)

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[Span] = ()
    ) -> list[Suggestion]:
        raise NotImplementedError

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"{type(self).__name__}({opts})"


class Seed(NamedTuple):
    """A selection made ready to search: its label, its trimmed surface and where it sits (if anywhere)."""

    label: str
    surface: str
    start: int
    end: int


def resolve_seeds(text: str, selections: Sequence[Selection]) -> list[Seed]:
    """Validate selections and trim surrounding whitespace from each seed's surface.

    The surface comes from ``text[start:end]`` unless the selection carries its own ``text`` (a pattern).
    Raises ``ValueError`` for offsets outside the text, reversed or non-integer; empty seeds are dropped.
    """
    seeds = []
    for sel in selections:
        start, end = sel.start, sel.end
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
            raise ValueError(f"selection offsets must be integers: {sel!r}")
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"selection [{start}, {end}) is outside the text (length {len(text)})")
        if not isinstance(sel.label, str) or not sel.label:
            raise ValueError(f"selection label must be a non-empty string: {sel!r}")
        raw = sel.text if sel.text is not None else text[start:end]
        stripped = raw.strip()
        if not stripped:
            continue
        if sel.text is None:
            start += len(raw) - len(raw.lstrip())
            end = start + len(stripped)
        seeds.append(Seed(sel.label, stripped, start, end))
    return seeds


@dataclass
class _Blocked:
    """Sorted, merged spans that no suggestion may overlap (seeds and existing regions)."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, spans: Iterable[Span]) -> _Blocked:
        merged: list[list[int]] = []
        for s, e in sorted((s, max(e, s + 1) if e <= s else e) for s, e in spans):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return cls([m[0] for m in merged], [m[1] for m in merged])

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect_left(self.ends, start + 1)  # first blocked span ending after `start`
        return k < len(self.starts) and self.starts[k] < end


def select(
    candidates: Iterable[Suggestion], *, seeds: Sequence[Seed], exclude: Iterable[Span], overlaps: str
) -> list[Suggestion]:
    """The output rules every matcher shares; returns suggestions sorted by position.

    Drops candidates that overlap a seed or an excluded span (an empty excluded span blocks the character
    at its position), keeps one suggestion per span and label (the best score), then applies the
    overlap policy (see :data:`OVERLAP_POLICIES`).
    """
    blocked = _Blocked.of([(s.start, s.end) for s in seeds if s.end > s.start] + [tuple(x) for x in exclude])
    best: dict[tuple[int, int, str], Suggestion] = {}
    for c in candidates:
        if c.end <= c.start or blocked.overlaps(c.start, c.end):
            continue
        key = (c.start, c.end, c.label)
        old = best.get(key)
        if old is None or (c.score, -c.distance) > (old.score, -old.distance):
            best[key] = c
    kept = list(best.values())
    if overlaps == "allow":
        return sorted(kept, key=lambda c: (c.start, c.end, c.label))
    if overlaps == "leftmost-longest":
        out, last_end = [], -1
        for c in sorted(kept, key=lambda c: (c.start, -c.end, -c.score, c.label)):
            if c.start >= last_end:
                out.append(c)
                last_end = c.end
        return out
    if overlaps != "best-score":
        raise OptionError(f"unknown overlap policy {overlaps!r}; choose one of {', '.join(OVERLAP_POLICIES)}")
    taken, out = _Blocked(), []
    for c in sorted(kept, key=lambda c: (-c.score, c.distance, c.start, -c.end, c.label)):
        if not taken.overlaps(c.start, c.end):
            k = bisect_left(taken.starts, c.start)
            taken.starts.insert(k, c.start)
            taken.ends.insert(k, c.end)
            out.append(c)
    return sorted(out, key=lambda c: (c.start, c.end, c.label))

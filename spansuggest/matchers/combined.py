"""Combining matchers: ``exact+fuzzy+transformer`` runs each part and merges their suggestions.

Merge rules, in order:

1. **Calibrate.** Each part's scores go through a monotone piecewise-linear map of that part (its
   *calibration*: knots ``raw:calibrated``), so that scores of different matchers mean the same thing: the
   share of such suggestions that are right. A part's map comes from the option ``<part>.calibration``,
   else the part's ``CALIBRATION`` attribute (a plugin declares it next to its ``OPTIONS``), else
   :data:`CALIBRATIONS` for the built-ins, else the identity.
2. **Dedupe.** Suggestions of the same span and label become one: the best calibrated score (then the
   smallest distance) keeps its reason, and ``matcher`` records every part that agreed, in the
   combination's order (``"exact+fuzzy"``).
3. **Overlap policy.** The combination's own ``overlaps`` option (default ``best-score``: where spans
   overlap, the best calibrated score wins, so an exact hit beats a longer fuzzy one; ``allow`` keeps
   overlaps, e.g. spans of different labels), applied by :func:`~.base.select` like every matcher.
   Parts run with ``overlaps="allow"`` (when they declare it) so the merge sees every candidate.

Options address the parts by prefix: ``exact.case_sensitive=false`` goes to the part ``exact`` only; an
unprefixed key goes to the combination when it declares it (``overlaps``) and otherwise to every part
that declares it (``case_sensitive=false`` reaches ``exact`` and ``fuzzy``). Unknown keys are an
:class:`~.base.OptionError` when the matcher is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import numpy as np

from ..types import Selection, Suggestion
from . import COMBINE, UnknownMatcherError, declared_options, get_factory
from .base import Matcher, Option, OptionError, overlap_option, resolve_seeds, select

__all__ = ["CALIBRATIONS", "Calibration", "Combination", "CombinedMatcher"]

Knots = tuple[tuple[float, float], ...]

CALIBRATIONS: dict[str, str] = {
    "exact": "0.85:0.59,0.9:0.822,1:0.912",
    "fuzzy": "0.738:0.093,0.759:0.31,0.81:0.31,0.863:0.31,0.91:0.516,0.98:0.822,1:0.898",
    "transformer": (
        "0.007:0.016,0.074:0.034,0.124:0.048,0.173:0.065,0.223:0.091,0.273:0.117,0.323:0.151,0.374:0.205,"
        "0.425:0.247,0.476:0.325,0.526:0.385,0.575:0.419,0.625:0.451,0.675:0.507,0.724:0.545,0.774:0.587,"
        "0.824:0.662,0.873:0.712,0.923:0.785,0.973:0.785,1:0.884"
    ),
}
"""Default calibrations of the built-in matchers with their default options: raw score -> share of the
matcher's suggestions at that score that equal a gold span of the seed's label (precision), pooled over the
four gold corpora of ``../shared/corpora`` with their README's seed protocol, by ``benchmarks/calibrate.py``
(scores bucketed by 0.05, isotonic; the transformer run with ``threshold=0`` to see every score). Measured:
exact 1.0 -> .912 (n=4479), 0.9 (case variant) -> .822 (326), 0.85 -> .590 (290); fuzzy 1.0 -> .898 (4725),
0.98 -> .822 (332), 0.75-0.86 -> .31 (1069); transformer 0.55-0.6 -> .419 (5779), 0.9 -> .786 (1682).
A plugin missing here keeps its raw scores unless it declares its own ``CALIBRATION``."""

IDENTITY = "0:0,1:1"


class Calibration:
    """A monotone piecewise-linear map of scores in [0, 1], parsed from knots ``"raw:cal,raw:cal,..."``."""

    def __init__(self, knots: str) -> None:
        try:
            pairs = [tuple(float(x) for x in knot.split(":")) for knot in knots.split(",")]
        except ValueError:
            pairs = []
        xs, ys = [p[0] for p in pairs], [p[-1] for p in pairs]
        ok = (
            pairs
            and all(len(p) == 2 for p in pairs)
            and all(0.0 <= v <= 1.0 for v in xs + ys)
            and all(a < b for a, b in pairwise(xs))
            and all(a <= b for a, b in pairwise(ys))
        )
        if not ok:
            raise OptionError(
                f"calibration {knots!r} must be knots raw:calibrated separated by commas, raw increasing, "
                "calibrated non-decreasing, all in [0, 1] (e.g. '0:0,0.8:0.5,1:1')"
            )
        self.knots = knots
        self.xs, self.ys = np.array(xs), np.array(ys)

    def __call__(self, score: float) -> float:
        """The calibrated score (constant beyond the first and last knots; rounded to 6 places)."""
        return round(float(np.interp(score, self.xs, self.ys)), 6)

    def __repr__(self) -> str:
        return f"Calibration({self.knots!r})"


def default_calibration(name: str, part: Any) -> str:
    """A part's calibration when none is given: its own declaration, the built-in table, or the identity."""
    return getattr(part, "CALIBRATION", None) or CALIBRATIONS.get(name, IDENTITY)


class CombinedMatcher:
    """Several matchers run on the same input; their suggestions calibrated, deduped and merged.

    ``parts`` are matcher instances, by name (a sequence is named by each part's ``name``); ``calibrations`` maps a part's name to
    knots (see :class:`Calibration`); the rest is the module's merge rules.
    """

    def __init__(
        self,
        parts: Sequence[Matcher] | Mapping[str, Matcher],
        *,
        overlaps: str = "best-score",
        calibrations: Mapping[str, str] | None = None,
    ) -> None:
        named = dict(parts) if isinstance(parts, Mapping) else {part.name: part for part in parts}
        names = list(named)
        if len(names) < 2 or len(names) != len(parts):
            raise OptionError(f"a combination needs two or more different matchers; got {', '.join(names) or 'none'}")
        calibrations = dict(calibrations or {})
        stray = sorted(set(calibrations) - set(names))
        if stray:
            raise OptionError(f"calibration given for {', '.join(stray)}, which is not a part of {'+'.join(names)}")
        for name, part in named.items():
            if not isinstance(part, Matcher):
                raise OptionError(f"part {name!r} is a {type(part).__name__}, not a matcher")
        self.parts: Mapping[str, Matcher] = MappingProxyType(named)
        self.name = COMBINE.join(names)
        self.overlaps = overlap_option("best-score").coerce(overlaps)
        self.calibrations = {
            name: Calibration(calibrations.get(name) or default_calibration(name, part))
            for name, part in named.items()
        }
        options: dict[str, Any] = {"overlaps": self.overlaps}
        for name, part in named.items():
            options.update({f"{name}.{key}": value for key, value in part.options.items()})
            options[f"{name}.calibration"] = self.calibrations[name].knots
        self.options: Mapping[str, Any] = MappingProxyType(options)

    def match(
        self, text: str, selections: Sequence[Selection], *, exclude: Iterable[tuple[int, int]] = ()
    ) -> list[Suggestion]:
        """Every part's suggestions, calibrated and merged (see the module's rules)."""
        seeds = resolve_seeds(text, selections)
        if not seeds:
            return []
        exclude = [tuple(x) for x in exclude]
        found: list[Suggestion] = []
        agreed: dict[tuple[int, int, str], list[str]] = {}  # span and label -> the parts that suggested it
        for name, part in self.parts.items():
            calibrate = self.calibrations[name]
            for s in part.match(text, selections, exclude=exclude):
                found.append(s._replace(score=calibrate(s.score)))
                agreed.setdefault((s.start, s.end, s.label), []).append(name)
        # select() keeps the best of each span and label (the dedupe rule every matcher shares)
        candidates = (s._replace(matcher=COMBINE.join(agreed[s.start, s.end, s.label])) for s in found)
        return select(candidates, seeds=seeds, exclude=exclude, overlaps=self.overlaps)

    def __repr__(self) -> str:
        return f"CombinedMatcher({dict(self.parts)!r}, overlaps={self.overlaps!r})"


class Combination:
    """The factory the registry returns for ``a+b``: declares the options it accepts and builds the parts."""

    def __init__(self, names: Sequence[str]) -> None:
        joined = COMBINE.join(names)
        if any(not n for n in names):
            raise UnknownMatcherError(f"empty matcher name in {joined!r}")
        if len(set(names)) != len(names) or len(names) < 2:
            raise UnknownMatcherError(f"a combination needs two or more different matchers: {joined!r}")
        self.names = tuple(names)
        self.factories: dict[str, Callable[..., Matcher]] = {n: get_factory(n) for n in names}
        own = (overlap_option("best-score"),)
        shared: dict[str, Option] = {}
        prefixed: list[Option] = []
        for name, factory in self.factories.items():
            for opt in declared_options(factory):
                shared.setdefault(opt.name, replace(opt, default=None, help=f"{opt.help} (to every part declaring it)"))
                default = "allow" if opt.name == "overlaps" else opt.default
                prefixed.append(replace(opt, name=f"{name}.{opt.name}", default=default))
            prefixed.append(
                Option(f"{name}.calibration", str, None, f"score map of {name}, knots raw:calibrated (e.g. 0:0,1:1)")
            )
        own_names = {o.name for o in own}
        self.OPTIONS = own + tuple(o for o in shared.values() if o.name not in own_names) + tuple(prefixed)

    def __call__(self, **options: Any) -> CombinedMatcher:
        """Route options to the parts (prefixed) or every part declaring them (unprefixed), then build."""
        own: dict[str, Any] = {}
        per_part: dict[str, dict[str, Any]] = {name: {} for name in self.names}
        calibrations: dict[str, str] = {}
        for key, value in options.items():
            prefix, dot, option = key.partition(".")
            if dot:
                if prefix not in per_part:
                    raise OptionError(f"option {key!r} names no part of {'+'.join(self.names)}")
                if option == "calibration":
                    calibrations[prefix] = value
                else:
                    per_part[prefix][option] = value
            elif key == "overlaps":
                own[key] = value
            else:
                takers = [n for n, f in self.factories.items() if key in {o.name for o in declared_options(f)}]
                if not takers:
                    known = ", ".join(o.name for o in self.OPTIONS)
                    raise OptionError(f"{'+'.join(self.names)} has no option {key!r} (options: {known})")
                for name in takers:
                    per_part[name].setdefault(key, value)
        parts = {}
        for name, factory in self.factories.items():
            part_options = per_part[name]
            if "overlaps" in {o.name for o in declared_options(factory)}:
                part_options.setdefault("overlaps", "allow")
            parts[name] = factory(**part_options)
        return CombinedMatcher(parts, calibrations=calibrations, **own)

"""Core value types: what an annotator selected and what a matcher suggests.

Offsets are Python ``str`` indices (Unicode code points) into the original text, end exclusive: the
convention of Label Studio's ``<Text>`` tag.
"""

from __future__ import annotations

from typing import NamedTuple


class Selection(NamedTuple):
    """A labeled span the annotator made: the seed of a search.

    ``text`` is normally ``None`` and the seed's surface is read from the document at ``[start, end)``.
    A pattern-only seed (no position in the document) sets ``text`` and an empty span; build it with
    :meth:`Selection.pattern`.
    """

    start: int
    end: int
    label: str
    text: str | None = None

    @classmethod
    def pattern(cls, text: str, label: str) -> Selection:
        """A seed given by its text alone, e.g. ``spansuggest match --text "Acme Corp" --label ORG``."""
        return cls(0, 0, label, text)


class Suggestion(NamedTuple):
    """A span a matcher proposes to label like a seed.

    ``score`` is in [0, 1] (1.0 = the seed's exact surface); ``reason`` says why it was suggested
    (``exact``, ``case``, ``normalized``, ``fuzzy``, …) and ``distance`` is the edit distance to the
    seed after the matcher's declared folding (0 for every non-fuzzy match).
    """

    start: int
    end: int
    label: str
    text: str
    score: float
    matcher: str
    reason: str = "exact"
    distance: int = 0

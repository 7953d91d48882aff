"""Hostile Unicode for property tests: pieces whose folding changes length, joins or splits characters."""

from __future__ import annotations

from hypothesis import strategies as st

PIECES = [
    "a", "A", "b", "B", "s", "S", "i", "I", "k", "e", "E", "o",
    "İ",  # folds to i + combining dot: length 1 -> 2
    "ı",
    "ß", "ẞ",  # fold to ss
    "ﬁ", "ﬀ",  # ligatures: fold and NFKC to fi / ff
    "K",  # Kelvin sign folds to ASCII k
    "ſ",  # long s folds to s
    "é", "e\u0301", "\u0301", "\u0308",  # precomposed, decomposed, lone marks
    "🍎", "👩\u200d👩\u200d👧", "🇨🇭", "\u200d",  # emoji, ZWJ sequence, flag, lone zero-width joiner
    "Ａ",  # full-width A (NFKC -> A)
    " ", "  ", "\t", "\r\n", "\n", "\u00a0",
    "_", ".", "-", "'", "+",
    "Acme", "ACME", "acme", "Corp", "CORP",
]

hostile_text = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


@st.composite
def text_and_span(draw: st.DrawFn) -> tuple[str, int, int]:
    """A hostile text and a non-empty span of it."""
    text = draw(hostile_text.filter(bool))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end

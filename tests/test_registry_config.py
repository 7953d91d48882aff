"""Matcher names beyond plain ones: ``a+b`` combinations, TOML config files, in-process registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from spansuggest.matchers import OptionError, UnknownMatcherError, declared_options, get_factory, get_matcher, register
from spansuggest.matchers.combined import CombinedMatcher
from spansuggest.matchers.exact import ExactMatcher


def test_registry_config_file_presets_options(tmp_path: Path) -> None:
    config = tmp_path / "combo.toml"
    config.write_text('matcher = "exact"\n[options]\ncase_sensitive = false\nwhole_word = false\n')
    factory = get_factory(str(config))
    defaults = {o.name: o.default for o in declared_options(factory)}
    assert defaults["case_sensitive"] is False and defaults["normalize"] is False
    matcher = get_matcher(str(config), whole_word=True)  # given at build time: wins over the file
    assert isinstance(matcher, ExactMatcher)
    assert dict(matcher.options)["case_sensitive"] is False and matcher.options["whole_word"] is True


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process registrations made by a test vanish after it."""
    monkeypatch.setattr("spansuggest.matchers._registered", {})


def test_registry_config_file_nested_tables_address_parts(tmp_path: Path, fresh_registry: None) -> None:
    class Folded(ExactMatcher):
        name = "folded"

    register("folded", Folded)
    config = tmp_path / "combo.toml"
    config.write_text('matcher = "exact+folded"\n[options]\noverlaps = "allow"\n[options.folded]\ncase_sensitive = false\n')
    matcher = get_matcher(str(config))
    assert isinstance(matcher, CombinedMatcher)
    assert matcher.options["folded.case_sensitive"] is False and matcher.options["exact.case_sensitive"] is None
    assert matcher.options["overlaps"] == "allow"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("matcher = ", "not valid TOML"),
        ('[options]\nx = 1\n', 'must hold matcher = "name"'),
        ('matcher = "exact"\nextra = 1\n', "unknown keys: extra"),
        ('matcher = "exact"\n[options]\ncase_sensitive = "maybe"\n', "expects bool"),
    ],
)
def test_registry_config_file_errors_are_clear(tmp_path: Path, content: str, error: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(OptionError, match=error):
        get_matcher(str(config))


def test_registry_config_file_missing_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(UnknownMatcherError, match="cannot read matcher config"):
        get_matcher(str(tmp_path / "absent.toml"))


@pytest.mark.parametrize("name", ["exact+", "exact+exact", "exact+nope"])
def test_registry_bad_combination_names_are_unknown(name: str) -> None:
    with pytest.raises(UnknownMatcherError):
        get_factory(name)


def test_registry_register_rejects_combining_names() -> None:
    with pytest.raises(ValueError, match="must not contain"):
        register("a+b", ExactMatcher)

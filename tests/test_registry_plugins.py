"""Entry-point plugins: found at lookup time, broken ones reported by name without breaking the others."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spansuggest.matchers import (
    PluginError,
    UnknownMatcherError,
    available_matchers,
    get_factory,
    get_matcher,
    matcher_infos,
)
from spansuggest.matchers.exact import ExactMatcher
from spansuggest.types import Selection


def install_fake_plugin(root: Path, dist: str, entries: dict[str, str], module: str | None = None) -> None:
    """A dist-info with entry points (and optionally a module) on a directory that is on sys.path."""
    info = root / f"{dist}-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.0\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entries.items())
    (info / "entry_points.txt").write_text(f"[spansuggest.matchers]\n{lines}\n")
    if module is not None:
        (root / f"{dist}_mod.py").write_text(textwrap.dedent(module))


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_registry_finds_plugin_installed_after_import(plugin_dir: Path) -> None:
    assert "shouty" not in available_matchers()
    install_fake_plugin(
        plugin_dir,
        "shouty_plugin",
        {"shouty": "shouty_plugin_mod:ShoutyMatcher"},
        module="""
        from spansuggest.matchers.exact import ExactMatcher

        class ShoutyMatcher(ExactMatcher):
            name = "shouty"
        """,
    )
    assert "shouty" in available_matchers()
    matcher = get_matcher("shouty", case_sensitive="false")
    found = matcher.match("Acme and ACME.", [Selection(0, 4, "ORG")])
    assert [(s.text, s.matcher) for s in found] == [("ACME", "shouty")]
    info = next(i for i in matcher_infos() if i.name == "shouty")
    assert (info.package, info.version, info.error) == ("shouty_plugin", "0.0.0", None)
    assert [o.name for o in info.options] == [o.name for o in ExactMatcher.OPTIONS]


def test_registry_reports_plugin_with_missing_module(plugin_dir: Path) -> None:
    install_fake_plugin(plugin_dir, "broken_plugin", {"broken": "no_such_module_xyz:Matcher"})
    with pytest.raises(PluginError) as err:
        get_factory("broken")
    message = str(err.value)
    assert "'broken'" in message and "broken_plugin 0.0.0" in message
    assert "ModuleNotFoundError" in message and "no_such_module_xyz" in message
    assert isinstance(get_matcher("exact"), ExactMatcher)  # the others still load


def test_registry_reports_plugin_that_is_not_a_factory(plugin_dir: Path) -> None:
    install_fake_plugin(plugin_dir, "pi_plugin", {"pi": "math:pi"})
    with pytest.raises(PluginError, match=r"'pi' from package pi_plugin 0\.0\.0 .* is a float, not a matcher factory"):
        get_matcher("pi")


def test_registry_reports_factory_building_no_matcher(plugin_dir: Path) -> None:
    install_fake_plugin(plugin_dir, "dict_plugin", {"dictionary": "builtins:dict"})
    with pytest.raises(PluginError, match=r"'dictionary' built a dict, which lacks the Matcher protocol"):
        get_matcher("dictionary")


def test_registry_infos_list_broken_plugins_beside_working_ones(plugin_dir: Path) -> None:
    install_fake_plugin(plugin_dir, "broken_plugin", {"broken": "no_such_module_xyz:Matcher"})
    infos = {i.name: i for i in matcher_infos()}
    assert infos["broken"].error is not None and "no_such_module_xyz" in infos["broken"].error
    assert infos["broken"].package == "broken_plugin"
    assert infos["exact"].error is None and infos["exact"].package == "spansuggest"
    assert infos["exact"].options == ExactMatcher.OPTIONS


def test_registry_unknown_name_lists_alternatives() -> None:
    with pytest.raises(UnknownMatcherError, match=r"no matcher named 'nope'; available: .*exact"):
        get_matcher("nope")


def test_registry_cli_lists_versions_packages_options_and_broken(plugin_dir: Path) -> None:
    from click.testing import CliRunner

    from spansuggest.cli.matchers import matchers

    install_fake_plugin(plugin_dir, "broken_plugin", {"broken": "no_such_module_xyz:Matcher"})
    result = CliRunner().invoke(matchers)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[lines.index("broken  (broken_plugin 0.0.0)") + 1].startswith("  BROKEN: matcher plugin 'broken'")
    assert "exact  (spansuggest 0.1.0)" in lines
    assert any(line.startswith("  case_sensitive (bool, default None): shorthand for case") for line in lines)
    assert any(line.startswith("  overlaps (str, default 'leftmost-longest', one of leftmost-longest") for line in lines)

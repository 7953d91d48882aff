"""The matcher registry: names to factories, from the ``spansuggest.matchers`` entry-point group.

Built-in matchers register through the same entry points as plugins (see ``pyproject.toml``), and the
group is read at lookup time, so a plugin installed after import is still found. :func:`register` adds a
factory in-process (tests, custom backends).

A name may also combine several matchers (``"exact+fuzzy"``, see :mod:`.combined`) or be the path of a
small TOML config file (``combo.toml``: ``matcher = "exact+fuzzy"`` and an ``[options]`` table).

A plugin that cannot be loaded (import error, not a factory, builds something that is not a matcher)
raises :class:`PluginError` naming the plugin and its package when it is asked for, and never breaks the
lookup of any other matcher.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import replace
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, NamedTuple

from .base import BaseMatcher, Matcher, Option, OptionError

__all__ = [
    "COMBINE",
    "ENTRY_POINT_GROUP",
    "BaseMatcher",
    "Matcher",
    "MatcherInfo",
    "Option",
    "OptionError",
    "PluginError",
    "UnknownMatcherError",
    "available_matchers",
    "declared_options",
    "get_factory",
    "get_matcher",
    "matcher_infos",
    "register",
]

ENTRY_POINT_GROUP = "spansuggest.matchers"
COMBINE = "+"
"""Separator of a combined matcher name: ``exact+fuzzy`` runs both and merges their suggestions."""
CONFIG_SUFFIX = ".toml"

_registered: dict[str, Callable[..., Matcher]] = {}


class UnknownMatcherError(LookupError):
    """No matcher of that name is installed or registered."""


class PluginError(ImportError):
    """An installed matcher plugin that cannot be loaded or does not build a matcher."""


class MatcherInfo(NamedTuple):
    """What ``spansuggest matchers`` shows about one matcher; ``error`` is set when it cannot be loaded."""

    name: str
    package: str | None
    version: str | None
    options: tuple[Option, ...]
    error: str | None = None


def register(name: str, factory: Callable[..., Matcher]) -> None:
    """Make ``factory`` available as ``name`` in this process (it wins over an entry point of that name)."""
    if not name or COMBINE in name:
        raise ValueError(f"a matcher name must be non-empty and must not contain {COMBINE!r}: {name!r}")
    _registered[name] = factory


def _entry_points() -> dict[str, EntryPoint]:
    """The group's entry points by name (the first installed one wins a duplicated name)."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def available_matchers() -> list[str]:
    """Names of every matcher registered in-process or installed as an entry point (loadable or not)."""
    return sorted(set(_entry_points()) | set(_registered))


def _origin(ep: EntryPoint) -> str:
    """How a plugin is named in error messages: its name, package and entry point."""
    dist = ep.dist
    package = f" from package {dist.name} {dist.version}" if dist is not None else ""
    return f"matcher plugin {ep.name!r}{package} (entry point {ep.value!r})"


def _load(ep: EntryPoint) -> Callable[..., Matcher]:
    """Load an entry point's factory, turning any failure into a :class:`PluginError` that names it."""
    try:
        factory = ep.load()
    except Exception as exc:  # a plugin's import may fail in any way; report it, never propagate it raw
        raise PluginError(f"{_origin(ep)} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not callable(factory):
        raise PluginError(f"{_origin(ep)} is a {type(factory).__name__}, not a matcher factory (a callable)")
    return factory


def get_factory(name: str) -> Callable[..., Matcher]:
    """The factory for ``name``: registered, installed, combined (``a+b``) or a ``.toml`` config file.

    Raises :class:`UnknownMatcherError` naming the alternatives, or :class:`PluginError` for a broken plugin.
    """
    if name in _registered:
        return _registered[name]
    ep = _entry_points().get(name)
    if ep is not None:
        return _load(ep)
    if name.endswith(CONFIG_SUFFIX):
        return _config_factory(Path(name))
    if COMBINE in name:
        from .combined import Combination

        return Combination(tuple(part.strip() for part in name.split(COMBINE)))
    raise UnknownMatcherError(f"no matcher named {name!r}; available: {', '.join(available_matchers()) or 'none'}")


def get_matcher(name: str, **options: Any) -> Matcher:
    """Build the matcher ``name`` with ``options`` (validated against its declaration when it builds)."""
    matcher = get_factory(name)(**options)
    if not isinstance(matcher, Matcher):
        raise PluginError(
            f"matcher {name!r} built a {type(matcher).__name__}, which lacks the Matcher protocol "
            "(a name, an options mapping and match(text, selections, *, exclude))"
        )
    return matcher


def declared_options(factory: Callable[..., Matcher]) -> tuple[Option, ...]:
    """The options a matcher factory declares (empty when it declares none)."""
    return tuple(getattr(factory, "OPTIONS", ()))


def matcher_infos() -> list[MatcherInfo]:
    """Every available matcher with its package, version and options; broken plugins carry their error."""
    eps = _entry_points()
    infos = []
    for name in available_matchers():
        ep = eps.get(name) if name not in _registered else None
        dist = ep.dist if ep is not None else None
        package, version = (dist.name, dist.version) if dist is not None else (None, None)
        if ep is None:
            module = getattr(_registered[name], "__module__", None)
            package = module.partition(".")[0] if module else None
        try:
            options = declared_options(get_factory(name))
        except PluginError as exc:
            infos.append(MatcherInfo(name, package, version, (), str(exc)))
            continue
        infos.append(MatcherInfo(name, package, version, options))
    return infos


class Preset:
    """A factory with some options preset (from a config file); options given at build time win."""

    def __init__(self, factory: Callable[..., Matcher], options: Mapping[str, Any]) -> None:
        self.factory = factory
        self.preset = dict(options)
        self.OPTIONS = tuple(
            replace(o, default=self.preset[o.name]) if o.name in self.preset else o for o in declared_options(factory)
        )

    def __call__(self, **options: Any) -> Matcher:
        return self.factory(**{**self.preset, **options})


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """TOML tables to dotted option keys: ``[options.exact] case_sensitive`` -> ``exact.case_sensitive``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _config_factory(path: Path) -> Preset:
    """Read a matcher config file: ``matcher = "exact+fuzzy"`` plus an optional ``[options]`` table."""
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnknownMatcherError(f"cannot read matcher config {str(path)!r}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"matcher config {str(path)!r} is not valid TOML: {exc}") from None
    unknown = sorted(set(config) - {"matcher", "options"})
    name, options = config.get("matcher"), config.get("options", {})
    if unknown or not isinstance(name, str) or not isinstance(options, dict) or name.endswith(CONFIG_SUFFIX):
        raise OptionError(
            f"matcher config {str(path)!r} must hold matcher = \"name\" (e.g. \"exact+fuzzy\") and an optional "
            f"[options] table" + (f"; unknown keys: {', '.join(unknown)}" if unknown else "")
        )
    return Preset(get_factory(name), _flatten(options))

"""The matcher registry: names to factories, from the ``spansuggest.matchers`` entry-point group.

Built-in matchers register through the same entry points as plugins (see ``pyproject.toml``), and the
group is read at lookup time, so a plugin installed after import is still found. :func:`register` adds a
factory in-process (tests, custom backends).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from .base import BaseMatcher, Matcher, Option, OptionError

__all__ = ["get_matcher", "get_factory", "available_matchers", "register", "UnknownMatcherError", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "spansuggest.matchers"

_registered: dict[str, Callable[..., Matcher]] = {}


class UnknownMatcherError(LookupError):
    """No matcher of that name is installed or registered."""


def register(name: str, factory: Callable[..., Matcher]) -> None:
    """Make ``factory`` available as ``name`` in this process (it wins over an entry point of that name)."""
    _registered[name] = factory


def available_matchers() -> list[str]:
    """Names of every matcher that can be built: registered in-process or installed as an entry point."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)} | set(_registered))


def get_factory(name: str) -> Callable[..., Matcher]:
    """The factory registered as ``name``; raises :class:`UnknownMatcherError` naming the alternatives."""
    if name in _registered:
        return _registered[name]
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        return ep.load()
    raise UnknownMatcherError(f"no matcher named {name!r}; available: {', '.join(available_matchers()) or 'none'}")


def get_matcher(name: str, **options: Any) -> Matcher:
    """Build the matcher ``name`` with ``options`` (validated against its declaration)."""
    return get_factory(name)(**options)


def declared_options(factory: Callable[..., Matcher]) -> tuple[Option, ...]:
    """The options a matcher factory declares (empty when it declares none)."""
    return tuple(getattr(factory, "OPTIONS", ()))


__all__ += ["BaseMatcher", "Matcher", "Option", "OptionError", "declared_options"]

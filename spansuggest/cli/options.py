"""Matcher options on the command line, read from the chosen matcher's declaration (shared by commands).

A command made with :func:`matcher_command` takes ``--matcher NAME`` (default ``exact``, env
``SPANSUGGEST_MATCHER``) and that matcher's declared options in every style::

    --max-edits 2   --max-edits=2   -o max_edits=2   --option max-edits=2
    --case-sensitive false   --case-sensitive=false   --case-sensitive   --no-case-sensitive

A bare boolean flag takes the next word as its value only when that word is a boolean
(``true``/``false``/``yes``/``no``/``on``/``off``/``1``/``0``), so ``--case-sensitive FILE`` keeps FILE.
The command's own options win over a matcher option of the same name (reach that one with ``-o``).
Values are coerced by the declaration (:meth:`Option.coerce`) and the matcher is built before the command
runs; its callback receives the built :class:`Matcher` as ``matcher``. An unknown or ill-typed option is
a usage error (exit 2) naming the matcher's options.

Why not click's ``ignore_unknown_options`` alone: click binds an unknown option written before a
positional argument to that argument (``match --case-sensitive false FILE`` would read a file named
``--case-sensitive``). So the matcher's flags are taken out of the arguments first, against the
declaration of the matcher that a lenient first pass (``ignore_unknown_options``, ``allow_extra_args``)
finds, and click then parses the rest strictly.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

import click

from ..matchers import (
    Matcher,
    Option,
    OptionError,
    PluginError,
    UnknownMatcherError,
    declared_options,
    get_factory,
    get_matcher,
)

__all__ = ["KeyValue", "MatcherCommand", "flag", "matcher_command"]


def flag(option: Option) -> str:
    """The command-line flag of a declared option: ``max_edits`` -> ``--max-edits``."""
    return "--" + option.name.replace("_", "-")


def _key(name: str) -> str:
    """An option name as ``-o`` compares it: dashes and underscores alike (``max-edits`` = ``max_edits``)."""
    return name.replace("-", "_")


def _describe(name: str, declared: Sequence[Option]) -> str:
    """One sentence naming a matcher's options, for error messages."""
    if not declared:
        return f"The {name} matcher declares no options."
    return f"Options of the {name} matcher: {', '.join(flag(o) for o in declared)} (or -o NAME=VALUE)."


class KeyValue(click.ParamType):
    """A ``NAME=VALUE`` pair (``-o case_sensitive=false``); dashes in NAME read as underscores."""

    name = "NAME=VALUE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        key, eq, raw = str(value).partition("=")
        if not eq or not key.strip():
            self.fail(f"expected NAME=VALUE, got {value!r}", param, ctx)
        return _key(key.strip()), raw


class MatcherCommand(click.Command):
    """A click command that also takes the chosen matcher's declared options and builds the matcher."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        name = self._matcher_name(ctx, args)
        try:
            declared = declared_options(get_factory(name))
        except (UnknownMatcherError, PluginError, OptionError) as err:
            raise click.BadParameter(str(err), ctx=ctx, param_hint="'--matcher'") from None
        ctx.meta["spansuggest.matcher"] = (name, declared)
        rest, given = self._split(ctx, args, name, declared)
        remaining = super().parse_args(ctx, rest)
        by_key = {_key(o.name): o for o in declared}
        for key, raw in ctx.params.pop("option", ()):
            if key not in by_key:
                raise click.BadParameter(
                    f"no option {key!r}. {_describe(name, declared)}", ctx=ctx, param_hint="'-o' / '--option'"
                )
            given.append((f"-o {key}", by_key[key], raw))
        ctx.params["matcher"] = _build(ctx, name, given, declared)
        return remaining

    def _matcher_name(self, ctx: click.Context, args: Sequence[str]) -> str:
        """The matcher the arguments ask for (flag, env or default), found by a lenient first pass."""
        probe = click.Context(
            self,
            info_name=ctx.info_name,
            parent=ctx.parent,
            resilient_parsing=True,
            ignore_unknown_options=True,
            allow_extra_args=True,
        )
        click.Command.parse_args(self, probe, list(args))
        return str(probe.params.get("matcher") or "")

    def _split(
        self, ctx: click.Context, args: Sequence[str], name: str, declared: Sequence[Option]
    ) -> tuple[list[str], list[tuple[str, Option, Any]]]:
        """Separate the matcher's flags (with their values) from the command's own arguments."""
        by_flag = {flag(o): o for o in declared}
        own: dict[str, int] = {}  # the command's option strings -> how many values each takes
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                takes = 0 if param.is_flag or param.count else param.nargs
                own.update({opt: takes for opt in param.opts + param.secondary_opts})
        rest: list[str] = []
        given: list[tuple[str, Option, Any]] = []
        i = 0
        while i < len(args):
            token = args[i]
            i += 1
            if token == "--":
                rest.extend(args[i - 1 :])
                break
            head, eq, value = token.partition("=")
            if token in own:
                rest.extend(args[i - 1 : i + own[token]])
                i += own[token]
                continue
            if not token.startswith("--") or head in own:
                rest.append(token)
                continue
            option = by_flag.get(head)
            negated = by_flag.get("--" + head[5:]) if head.startswith("--no-") else None
            if option is None and negated is not None and negated.type is bool and not eq:
                given.append((token, negated, False))
            elif option is None:
                raise click.NoSuchOption(head, message=_no_such(head, name, declared, own), ctx=ctx)
            elif eq:
                given.append((head, option, value))
            elif option.type is bool:
                value = args[i] if i < len(args) else None
                if value is not None and _coerces(option, value):
                    given.append((head, option, value))
                    i += 1
                else:
                    given.append((head, option, True))
            elif i < len(args):
                given.append((head, option, args[i]))
                i += 1
            else:
                raise click.BadOptionUsage(head, f"Option '{head}' requires a value.", ctx=ctx)
        return rest, given

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Help lists the options of the matcher chosen on this command line (``exact`` by default)."""
        super().format_epilog(ctx, formatter)
        name, declared = ctx.meta.get("spansuggest.matcher", ("", ()))
        if declared:
            with formatter.section(f"Options of the {name} matcher (pick another with --matcher NAME)"):
                formatter.write_dl([_help_row(o) for o in declared])


def _coerces(option: Option, value: str) -> bool:
    """Whether ``value`` is a valid value of ``option`` (decides if a bare boolean flag takes it)."""
    try:
        option.coerce(value)
    except OptionError:
        return False
    return True


def _no_such(head: str, name: str, declared: Sequence[Option], own: dict[str, int]) -> str:
    """The message for an option neither the command nor its matcher knows, with a close match if any."""
    close = difflib.get_close_matches(head, [flag(o) for o in declared] + [o for o in own if o.startswith("--")], 1)
    hint = f" Did you mean {close[0]}?" if close else ""
    return f"No such option: {head}.{hint} {_describe(name, declared)}"


def _help_row(option: Option) -> tuple[str, str]:
    """A help line for one declared option: its flag(s) and metavar, then help and default."""
    if option.type is bool:
        name = f"{flag(option)} [true|false] / --no-{flag(option)[2:]}"
    elif option.choices is not None:
        name = f"{flag(option)} [{'|'.join(map(str, option.choices))}]"
    else:
        name = f"{flag(option)} {option.type.__name__.upper()}"
    return name, f"{option.help}  [default: {option.default}]"


def _build(
    ctx: click.Context,
    name: str,
    given: Sequence[tuple[str, Option, Any]],
    declared: Sequence[Option],
) -> Matcher:
    """Coerce each given option through its declaration and build the matcher, or raise a usage error."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, option, raw in given:
        try:
            value = option.coerce(raw)
        except OptionError as err:
            raise click.BadParameter(f"{err}. {_describe(name, declared)}", ctx=ctx, param_hint=f"'{source}'") from None
        if option.name in values and values[option.name] != value:
            raise click.UsageError(
                f"option {option.name!r} given twice with different values ({sources[option.name]}, {source})", ctx
            )
        values[option.name], sources[option.name] = value, source
    try:
        return get_matcher(name, **values)
    except (ValueError, PluginError) as err:  # OptionError is a ValueError: a matcher's own cross-option checks
        raise click.UsageError(f"cannot build the {name} matcher: {err}", ctx) from None


def matcher_command(**settings: Any) -> Callable[[Callable[..., Any]], MatcherCommand]:
    """Like ``click.command()``, plus ``--matcher`` and ``-o/--option``; the callback gets ``matcher``."""

    def decorate(f: Callable[..., Any]) -> MatcherCommand:
        f = click.option(
            "-o",
            "--option",
            "option",
            multiple=True,
            type=KeyValue(),
            help="A matcher option, repeatable; same as --NAME VALUE (see the matcher's options below).",
        )(f)
        f = click.option(
            "--matcher",
            default="exact",
            metavar="NAME",
            envvar="SPANSUGGEST_MATCHER",
            show_default=True,
            show_envvar=True,
            help="The matcher to run (`spansuggest matchers` lists them).",
        )(f)
        return click.command(cls=MatcherCommand, **settings)(f)

    return decorate

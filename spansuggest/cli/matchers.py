"""``spansuggest matchers``: list the matchers that can be built here, where they come from, their options."""

from __future__ import annotations

import click

from ..matchers import Option, matcher_infos


def describe(opt: Option) -> str:
    """One option as a help line: name, type, default, choices or range, help."""
    extra = [f"default {opt.default!r}"]
    if opt.choices:
        extra.append("one of " + " | ".join(map(str, opt.choices)))
    if opt.min is not None and opt.max is not None:
        extra.append(f"in [{opt.min}, {opt.max}]")
    elif opt.min is not None:
        extra.append(f">= {opt.min}")
    elif opt.max is not None:
        extra.append(f"<= {opt.max}")
    return f"{opt.name} ({opt.type.__name__}, {', '.join(extra)}): {opt.help}"


@click.command()
def matchers() -> None:
    """List the available matchers: version, source package and options (set with --option name=value).

    Combine matchers with '+' (--matcher exact+fuzzy); a plugin that cannot be loaded is listed with its
    error and does not hide the others.
    """
    for info in matcher_infos():
        source = f"{info.package} {info.version}" if info.version else (info.package or "registered in-process")
        click.echo(f"{info.name}  ({source})")
        if info.error:
            click.echo(f"  BROKEN: {info.error}")
        for opt in info.options:
            click.echo(f"  {describe(opt)}")

"""``spansuggest matchers``: list the matchers that can be built here, where they come from, their options."""

from __future__ import annotations

import click

from ..matchers import MatcherInfo, Option, matcher_infos
from .options import flag


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


def markdown_table(info: MatcherInfo) -> str:
    """A matcher's options as the Markdown table the README shows (generated, so it never drifts)."""
    rows = ["| option | flag | type | default | meaning |", "|---|---|---|---|---|"]
    for opt in info.options:
        kind = " \\| ".join(f"`{c}`" for c in opt.choices) if opt.choices else opt.type.__name__
        default = "unset" if opt.default is None else f"`{str(opt.default).lower() if opt.type is bool else opt.default}`"
        meaning = opt.help.replace("|", "\\|")
        rows.append(f"| `{opt.name}` | `{flag(opt)}` | {kind} | {default} | {meaning} |")
    return "\n".join(rows)


@click.command()
@click.option("--markdown", is_flag=True, help="Print each matcher's options as a Markdown table (as in the README).")
@click.argument("names", nargs=-1)
def matchers(markdown: bool, names: tuple[str, ...]) -> None:
    """List the available matchers (or NAMES): version, source package and options.

    Set options with --option name=value or --name value. Combine matchers with '+' (--matcher exact+fuzzy);
    a plugin that cannot be loaded is listed with its error and does not hide the others.
    """
    infos = [info for info in matcher_infos() if not names or info.name in names]
    unknown = sorted(set(names) - {info.name for info in infos})
    if unknown:
        raise click.UsageError(f"no matcher named {', '.join(unknown)}")
    for info in infos:
        if markdown:
            click.echo(f"### {info.name}\n\n{markdown_table(info)}\n")
            continue
        source = f"{info.package} {info.version}" if info.version else (info.package or "registered in-process")
        click.echo(f"{info.name}  ({source})")
        if info.error:
            click.echo(f"  BROKEN: {info.error}")
        for opt in info.options:
            click.echo(f"  {describe(opt)}")

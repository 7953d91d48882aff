"""``spansuggest matchers``: list the matchers that can be built here, with their options."""

from __future__ import annotations

import click

from ..matchers import available_matchers, declared_options, get_factory


@click.command()
def matchers() -> None:
    """List the available matchers and the options each declares."""
    for name in available_matchers():
        click.echo(name)
        for opt in declared_options(get_factory(name)):
            click.echo(f"  --{opt.name.replace('_', '-')} ({opt.type.__name__}, default {opt.default!r}): {opt.help}")

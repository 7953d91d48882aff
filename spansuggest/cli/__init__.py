"""The ``spansuggest`` command line: thin shells over the matchers, the server and the tools.

Each command lives in its own module of this package, holding a click command of the same name; add a
command by adding its module name to ``COMMANDS``.
"""

from __future__ import annotations

from importlib import import_module

import click

COMMANDS = ["serve", "match", "matchers", "evaluate", "annotate"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spansuggest")
def main() -> None:
    """spansuggest: one labeled selection in, every matching span of the text out."""


for _name in COMMANDS:
    main.add_command(getattr(import_module(f".{_name}", __name__), _name))

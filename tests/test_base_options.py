"""Option declarations: coercion rules and rebuilding any matcher from its own options."""

from __future__ import annotations

import pytest

from spansuggest import Option, OptionError, get_matcher
from spansuggest.matchers import available_matchers


@pytest.mark.parametrize("name", [n for n in available_matchers() if n != "transformer"])
def test_matcher_rebuilds_from_its_own_options(name: str) -> None:
    """gunicorn workers and the pattern memory rebuild matchers this way."""
    matcher = get_matcher(name)
    assert dict(get_matcher(name, **matcher.options).options) == dict(matcher.options)


def test_option_none_only_when_default_is_none() -> None:
    assert Option("x", bool, None, "optional").coerce(None) is None
    with pytest.raises(OptionError, match="expects bool"):
        Option("x", bool, True, "required").coerce(None)


@pytest.mark.parametrize(("kind", "raw", "value"), [(int, "3", 3), (int, 4.0, 4), (float, "0.5", 0.5), (bool, "off", False)])
def test_option_coerces_command_line_strings(kind: type, raw: object, value: object) -> None:
    assert Option("x", kind, value, "h").coerce(raw) == value


@pytest.mark.parametrize(("option", "raw"), [(Option("x", int, 1, "h"), 2.5), (Option("x", int, 1, "h", min=0), -1),
                                              (Option("x", float, 0.5, "h", max=1), 1.5), (Option("x", int, 1, "h"), True)])
def test_option_rejects_out_of_type_or_range(option: Option, raw: object) -> None:
    with pytest.raises(OptionError):
        option.coerce(raw)

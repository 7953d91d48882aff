"""spansuggest: turn one labeled text selection into every matching span of a long text.

>>> from spansuggest import get_matcher, Selection
>>> text = "Acme Corp hired Bob. ACME CORP grew; Acme Corporation did not."
>>> [s[:4] for s in get_matcher("exact", case_sensitive=False).match(text, [Selection(0, 9, "ORG")])]
[(21, 30, 'ORG', 'ACME CORP')]
"""

from importlib.metadata import PackageNotFoundError, version

from .matchers import available_matchers, get_matcher, register
from .matchers.base import BaseMatcher, Matcher, Option, OptionError
from .types import Selection, Suggestion

try:
    __version__ = version("spansuggest")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "BaseMatcher",
    "Matcher",
    "Option",
    "OptionError",
    "Selection",
    "Suggestion",
    "__version__",
    "available_matchers",
    "get_matcher",
    "register",
]

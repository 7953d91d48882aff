"""A custom Label Studio ML backend built on spansuggest: copy this package to start your own.

It composes three public pieces: a team-specific matcher (:class:`AcronymMatcher`), spansuggest's exact
matcher, combined with :class:`~spansuggest.matchers.combined.CombinedMatcher`, and the app factory
:func:`spansuggest.server.create_app` with the team's own model version.
"""

from __future__ import annotations

from .acronyms import AcronymMatcher
from .app import MODEL_VERSION, build_matcher, create_backend_app

__all__ = ["MODEL_VERSION", "AcronymMatcher", "build_matcher", "create_backend_app"]
__version__ = "1.0.0"

"""The backend's Flask app: exact + acronym matching behind spansuggest's Label Studio routes."""

from __future__ import annotations

from typing import Any

from flask import Flask

from spansuggest.matchers.combined import CombinedMatcher
from spansuggest.matchers.exact import ExactMatcher
from spansuggest.server import create_app

from .acronyms import AcronymMatcher

MODEL_VERSION = "acme-acronyms-1.0"
"""Shown in Label Studio next to every prediction; bump it when the matching changes."""


def build_matcher(**exact_options: Any) -> CombinedMatcher:
    """Exact hits and acronym hits, merged: where they overlap, the better calibrated score wins."""
    return CombinedMatcher(
        [ExactMatcher(**exact_options), AcronymMatcher()],
        calibrations={"exact": "0:0,1:1", "acronym": "0:0,1:0.9"},
    )


def create_backend_app(**server_options: Any) -> Flask:
    """spansuggest's app factory with this team's matcher and model version (options: see ``create_app``)."""
    return create_app(build_matcher(case_sensitive=False), model_version=MODEL_VERSION, **server_options)

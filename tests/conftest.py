"""Shared fixtures: Label Studio captures from ``../shared``, request-body builders and server clients."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI replays the same examples every run (a red CI must be reproducible); local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CAPTURES = SHARED / "label-studio-captures"

LS_CONFIG = (
    '<View><Labels name="label" toName="text" smart="true"><Label value="PER"/><Label value="ORG"/></Labels>'
    '<Text name="text" value="$text"/></View>'
)
"""The label config of the captures (and of protocol §7, which uses the same pair of names)."""

INTERACTIVE_COMPLETE = [
    "predict_interactive_one_region.json",
    "predict_interactive_probe.json",
    "predict_interactive_existing_annotation.json",
    "predict_interactive_empty_context.json",
]
"""Interactive /predict captures whose response the reference backend answered in full (``truncated`` false)."""

INTERACTIVE_TRUNCATED = [
    "predict_interactive_several_regions.json",
    "predict_interactive_after_accept.json",
    "predict_interactive_long_text.json",
]
"""Interactive /predict captures whose recorded response was cut (``truncated`` true): check shape, not spans."""


@pytest.fixture
def capture() -> Callable[[str], dict[str, Any]]:
    """Load a capture file by name from ``../shared/label-studio-captures/``; skip when it is absent."""

    def load(name: str) -> dict[str, Any]:
        path = CAPTURES / name
        if not path.is_file():
            pytest.skip(f"capture {name} not found in {CAPTURES} (the shared folder is absent)")
        return json.loads(path.read_text(encoding="utf-8"))

    return load


@pytest.fixture
def labels_item() -> Callable[..., dict[str, Any]]:
    """Build one region result item the way the Label Studio UI serializes it."""

    def build(
        start: Any,
        end: Any,
        labels: Any = ("PER",),
        *,
        text: str | None = None,
        id: str = "Ab3dE5gH1j",
        from_name: str = "label",
        to_name: str = "text",
        **extra: Any,
    ) -> dict[str, Any]:
        value: dict[str, Any] = {
            "start": start,
            "end": end,
            "labels": list(labels) if isinstance(labels, tuple) else labels,
        }
        if text is not None:
            value["text"] = text
        item = {
            "value": value,
            "id": id,
            "from_name": from_name,
            "to_name": to_name,
            "type": "labels",
            "origin": "manual",
        }
        item.update(extra)
        return item

    return build


@pytest.fixture
def predict_body() -> Callable[..., dict[str, Any]]:
    """Build a ``/predict`` body for one task: interactive when ``context`` is a list of items, batch when None."""

    def build(
        text: Any,
        context: list[Any] | None,
        *,
        config: Any = LS_CONFIG,
        annotations: list[Any] | None = None,
        drafts: list[Any] | None = None,
        data: Any = None,
        task_id: int = 7,
    ) -> dict[str, Any]:
        task = {
            "id": task_id,
            "annotations": annotations or [],
            "drafts": drafts or [],
            "predictions": [],
            "data": {"text": text} if data is None else data,
            "meta": {},
            "project": 1,
        }
        return {
            "tasks": [task],
            "project": "1.1796416421",
            "label_config": config,
            "params": {"login": None, "password": None, "context": None if context is None else {"result": context}},
        }

    return build


@pytest.fixture
def make_client() -> Callable[..., Any]:
    """A Flask test client of :func:`spansuggest.server.create_app` (the exact matcher unless one is given)."""
    from spansuggest import get_matcher
    from spansuggest.matchers.exact import LITERAL
    from spansuggest.server import create_app

    def build(matcher: Any = None, **kwargs: Any) -> Any:  # default: the literal exact matcher (issue 2)
        return create_app(matcher or get_matcher("exact", **LITERAL), **kwargs).test_client()

    return build

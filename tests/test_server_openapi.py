"""The OpenAPI description at /openapi.json: it covers every route, and a schema-driven fuzz run (schemathesis)
of the app with memory gets no 5xx and only responses that match the description."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from spansuggest import get_matcher
from spansuggest.memory import Memory, PatternStore
from spansuggest.server import create_app

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra")
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def build_app(tmp: Path, **kwargs: Any) -> Any:
    """The served app as ``spansuggest serve`` builds it: a matcher and a pattern memory."""
    matcher = get_matcher("exact", case_sensitive=False)
    return create_app(matcher, memory=Memory(PatternStore(tmp / "memory.sqlite3")), **kwargs)


STORE = tempfile.TemporaryDirectory(prefix="spansuggest-openapi-")  # removed when the test process exits
schema = schemathesis.openapi.from_wsgi("/openapi.json", build_app(Path(STORE.name)))


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_no_5xx_and_responses_match(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


def test_openapi_describes_every_route(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    described = app.test_client().get("/openapi.json").get_json()["paths"]
    served = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert {(path, method) for path, item in described.items() for method in item} == served


def test_openapi_behind_basic_auth(tmp_path: Path) -> None:
    client = build_app(tmp_path, basic_auth=("ls", "s3cret")).test_client()
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/openapi.json", auth=("ls", "s3cret")).get_json()["openapi"].startswith("3.")

"""The OpenAPI 3 description of the ML backend's routes (served at ``/openapi.json``), written by hand.

It describes the bodies Label Studio 1.23.2 sends and accepts (LABEL_STUDIO_PROTOCOL.md §3-§4) and is as
permissive as Label Studio is: unknown keys are allowed everywhere, ``/setup`` and ``/webhook`` take any body.
``tests/test_server_openapi.py`` fuzzes the app against it (no 5xx, every reply matches).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["openapi_spec"]

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    """A reference to a schema of this document."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A JSON response."""
    return {"description": description, "content": {_JSON: {"schema": schema}}}


_ERROR = _ref("Error")
_UNAUTHORIZED = _json(_ERROR, "Basic auth is configured and the request lacks the credentials")
_UNAUTHORIZED["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Basic realm="Login required"'}}
_COMMON = {"401": _UNAUTHORIZED, "405": _json(_ERROR, "Method not allowed on this route")}
_BODY_ERRORS = {
    "400": _json(_ERROR, "The body is not JSON, not of the protocol's shape, or its label config cannot be read"),
    "413": _json(_ERROR, "The body is over the server's size limit (--max-body-mb)"),
}
_ANY_JSON_BODY = {
    "required": False,
    "content": {_JSON: {"schema": {}}},
    "description": "Any body: a malformed one is answered too (Label Studio must never see an error here)",
}

_REGION = {
    "type": "object",
    "description": "A region result as the Label Studio UI serializes it (protocol §4.3); unknown keys are ignored",
    "properties": {
        "id": {"type": "string"},
        "from_name": {"type": "string"},
        "to_name": {"type": "string"},
        "type": {"type": "string"},
        "origin": {"type": "string"},
        "score": {"type": ["number", "null"]},
        "value": {
            "type": "object",
            "properties": {
                "start": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 0},
                "text": {"type": "string"},
                "labels": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}

_SUGGESTED_REGION = {
    "type": "object",
    "required": ["id", "from_name", "to_name", "type", "value"],
    "properties": {
        "id": {"type": "string", "pattern": "^[^#]*$"},
        "from_name": {"type": "string"},
        "to_name": {"type": "string"},
        "type": {"type": "string", "enum": ["labels"]},
        "origin": {"type": "string", "enum": ["prediction"]},
        "score": {"type": "number"},
        "value": {
            "type": "object",
            "required": ["start", "end", "text", "labels"],
            "properties": {
                "start": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 0},
                "text": {"type": "string"},
                "labels": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            },
        },
    },
}

_SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "spansuggest ML backend",
        "description": "A Label Studio ML backend: one labeled text selection in, every matching span out.",
        "version": "0",
    },
    "paths": {
        "/": {"get": {"summary": "Health (same as /health)", "responses": {"200": _json(_ref("Health"), "Up"), **_COMMON}}},
        "/health": {
            "get": {
                "summary": "Health check Label Studio runs before setup and batch predictions (1 s timeout)",
                "responses": {"200": _json(_ref("Health"), "Up"), **_COMMON},
            }
        },
        "/setup": {
            "post": {
                "summary": "Label Studio connects a project; answers the model version",
                "requestBody": {
                    "required": False,
                    "content": {_JSON: {"schema": _ref("SetupRequest")}},
                    "description": "Sent by Label Studio; any other body is answered too",
                },
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["model_version"],
                            "properties": {"model_version": {"type": "string"}},
                        },
                        "The model version (with the project's memory version when it learned something)",
                    ),
                    **_COMMON,
                },
            }
        },
        "/predict": {
            "post": {
                "summary": "Interactive suggestions (params.context.result holds the seeds) or batch predictions",
                "requestBody": {"required": True, "content": {_JSON: {"schema": _ref("PredictRequest")}}},
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["results"],
                            "properties": {"results": {"type": "array", "items": _ref("Prediction")}},
                        },
                        "One prediction per task, in order; unusable tasks or regions give an empty result",
                    ),
                    **_BODY_ERRORS,
                    **_COMMON,
                },
            }
        },
        "/webhook": {
            "post": {
                "summary": "Label Studio events (annotations teach the pattern memory) and Start training",
                "requestBody": _ANY_JSON_BODY,
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["status", "action"],
                            "properties": {"status": {"type": "string"}, "action": {"type": ["string", "null"]}},
                        },
                        "What was done with the event",
                    ),
                    **_COMMON,
                },
            }
        },
        "/versions": {
            "get": {
                "summary": "Model versions (Label Studio's GET /api/ml/{id}/versions)",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["versions"],
                            "properties": {"versions": {"type": "array", "items": {"type": "string"}}},
                        },
                        "The versions",
                    ),
                    **_COMMON,
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (requests by route and status, latency, suggestions, cache)",
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_COMMON,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI description"), **_COMMON},
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "status"],
                "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
            },
            "Health": {
                "type": "object",
                "required": ["status", "model_class"],
                "properties": {
                    "status": {"type": "string", "enum": ["UP"]},
                    "model_class": {"type": "string"},
                    "model_version": {"type": "string"},
                    "spansuggest_version": {"type": "string"},
                },
            },
            "SetupRequest": {
                "type": "object",
                "properties": {
                    "project": {"type": "string", "description": '"<project id>.<created_at unix ts>"'},
                    "schema": {"type": "string", "description": "The labeling config (XML)"},
                    "hostname": {"type": "string"},
                    "access_token": {"type": "string"},
                    "extra_params": {},
                },
            },
            "Task": {
                "type": "object",
                "description": "A Label Studio task; only id, data, annotations and drafts are read",
                "properties": {
                    "id": {"type": ["integer", "string"]},
                    "data": {"type": "object", "description": 'The task data, e.g. {"text": "..."}'},
                    "annotations": {"type": "array", "items": {"type": "object"}},
                    "drafts": {"type": "array", "items": {"type": "object"}},
                    "predictions": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Region": _REGION,
            "PredictRequest": {
                "type": "object",
                "required": ["tasks"],
                "properties": {
                    "tasks": {"type": "array", "minItems": 1, "items": _ref("Task")},
                    "project": {"type": "string", "description": '"<project id>.<created_at unix ts>"'},
                    "label_config": {"type": "string", "description": "The labeling config (XML)"},
                    "params": {
                        "type": ["object", "null"],
                        "properties": {
                            "login": {"type": ["string", "null"]},
                            "password": {"type": ["string", "null"]},
                            "context": {
                                "type": ["object", "null"],
                                "description": "Interactive calls: the regions sharing the new one's label; null in batch",
                                "properties": {"result": {"type": "array", "items": _ref("Region")}},
                            },
                        },
                    },
                },
            },
            "Prediction": {
                "type": "object",
                "required": ["result", "score", "model_version"],
                "properties": {
                    "result": {"type": "array", "items": _SUGGESTED_REGION},
                    "score": {"type": "number"},
                    "model_version": {"type": "string"},
                },
            },
        }
    },
}


def openapi_spec(version: str) -> dict[str, Any]:
    """The OpenAPI document, with ``version`` (spansuggest's) as the API version; a fresh copy per call."""
    spec = copy.deepcopy(_SPEC)
    spec["info"]["version"] = version
    return spec

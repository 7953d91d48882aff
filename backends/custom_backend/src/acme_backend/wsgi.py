"""The WSGI entry point: ``gunicorn -b 0.0.0.0:9090 acme_backend.wsgi:app``."""

from __future__ import annotations

from .app import create_backend_app

app = create_backend_app()

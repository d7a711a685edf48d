"""Liveness and readiness answers, exactly as the contract words them."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from .checks import database_status

bp = Blueprint("health", __name__, url_prefix="/health")
log = logging.getLogger(__name__)


@bp.get("")
def health():
    """The process serves; the database is not touched."""
    return jsonify(status="ok")


@bp.get("/db")
def health_db():
    started = time.perf_counter()
    try:
        status = database_status()
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc.__class__.__name__)
        return jsonify(status="unavailable", error="database unreachable"), 503
    if not status.is_current:
        return (
            jsonify(
                status="unavailable",
                error=f"schema at {status.revision or 'no revision'}, "
                f"latest is {status.head}: run 'flask db upgrade'",
            ),
            503,
        )
    return jsonify(
        status="ok",
        database=status.dialect,
        revision=status.revision,
        latency_ms=round((time.perf_counter() - started) * 1000, 2),
    )

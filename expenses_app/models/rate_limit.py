"""Shared counters for rate limiting, so every gunicorn worker sees the same counts."""

from __future__ import annotations

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index(None, "expires_at"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    # Epoch seconds, as the `limits` storage protocol speaks them.
    expires_at: Mapped[float] = mapped_column(Float)

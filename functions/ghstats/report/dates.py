"""Ages of GitHub timestamps, for the report's buckets and tables."""

from __future__ import annotations

from datetime import datetime


def epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() if iso else None


def age_days(iso: str | None, now: float) -> float | None:
    """Days from `iso` to `now` (None for no timestamp)."""
    at = epoch(iso)
    return None if at is None else (now - at) / 86_400

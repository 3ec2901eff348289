"""Mistakes a user can fix: one line naming the problem and the fix, exit 2, no traceback."""

from __future__ import annotations

class UserError(Exception):
    """main() prints the message (problem and fix) and exits 2."""

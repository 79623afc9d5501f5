"""Shared pieces of the privacy models."""

LANGUAGE_CODES = ("fi", "sv", "en")


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an append-only record."""

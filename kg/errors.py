"""Errors the user sees: each carries a message fit to print without a traceback."""

from __future__ import annotations


class KGError(Exception):
    """Base class: ``str(error)`` is a complete, readable explanation."""


class ReadError(KGError):
    """A file could not be read or decoded (names the file and the reason)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ValidationFailed(KGError):
    """A document's facts violate the SHACL shapes; nothing of it was written."""


class StoreError(KGError):
    """The store could not be opened or written (path, lock, disk …)."""

"""Domain errors. The web layer maps each to an HTTP status; domain code stays Flask-free."""

from __future__ import annotations

from typing import Any

from wms.i18n import N_


class DomainError(Exception):
    status = 400
    title = N_("Bad request")

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationFailed(DomainError):
    """Input that is well-formed but wrong; ``errors`` maps field (or line) to messages."""

    status = 422
    title = N_("Unprocessable input")

    def __init__(self, errors: dict[str, Any], detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or "; ".join(flatten(errors)), **extra)
        self.errors = errors
        self.detail_from_errors = not detail


class NotFound(DomainError):
    status = 404
    title = N_("Not found")


class Forbidden(DomainError):
    status = 403
    title = N_("Forbidden")


class Conflict(DomainError):
    """The request is valid but clashes with the current state (stock, versions, keys)."""

    status = 409
    title = N_("Conflict")


def flatten(errors: dict[str, Any], prefix: str = "") -> list[str]:
    """Field messages as ``path: message`` lines."""
    out: list[str] = []
    for key, value in errors.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(flatten(value, f"{path}."))
        elif isinstance(value, list | tuple):
            out.extend(f"{path}: {v}" for v in value)
        else:
            out.append(f"{path}: {value}")
    return out

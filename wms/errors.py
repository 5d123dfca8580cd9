"""Domain errors. The web layer maps each to an HTTP status; domain code stays Flask-free."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class ValidationFailed(DomainError):
    """Input that is well-formed but wrong; ``errors`` maps field (or line) to messages."""

    status = 422
    title = "Unprocessable input"

    def __init__(self, errors: dict[str, Any], detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or "; ".join(_flatten(errors)), **extra)
        self.errors = errors


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The request is valid but clashes with the current state (stock, versions, keys)."""

    status = 409
    title = "Conflict"


def _flatten(errors: dict[str, Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in errors.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{path}."))
        elif isinstance(value, list | tuple):
            out.extend(f"{path}: {v}" for v in value)
        else:
            out.append(f"{path}: {value}")
    return out

"""Explanations for people, marked for translation by a planner that knows no language.

The engine is pure and may not use ``wms.i18n``; its explanations are ``str`` that read
as English (the CLI, the benchmarks, logs) and keep their message id and values, the two
attributes ``wms.i18n.adopt`` reads to make them messages the pages translate.
``pybabel extract`` finds the ids by the usual name, ``N_``.
"""

from __future__ import annotations

from typing import Any


class Explained(str):
    """An English explanation that still knows its message id and values."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Explained:
        self = super().__new__(cls, msgid.format(**params) if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def __reduce__(self):
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict[str, Any]) -> Explained:
    return Explained(msgid, **params)


def N_(msgid: str, /, **params: Any) -> Explained:
    return Explained(msgid, **params)


def word(code: str) -> Explained:
    """A code word the catalogue translates on its own (a temperature class, ``frozen``)."""
    return Explained(code)


def joined(items: list[str]) -> str:
    """``items`` as one explanation, ``"a, b"`` in English; the reader's language puts the
    separator (``{first}, {then}`` is the catalogue's entry for it)."""
    if len(items) <= 1:
        return items[0] if items else ""
    half = len(items) // 2
    return N_("{first}, {then}", first=joined(items[:half]), then=joined(items[half:]))


def as_dict(text: str) -> dict[str, Any]:
    """The id and values of an explanation, for a plan written as JSON (empty for text)."""
    if not isinstance(text, Explained):
        return {}
    return {"id": text.msgid,
            "values": {k: as_dict(v) or v for k, v in text.params.items()}}


def from_dict(data: dict[str, Any] | None, text: str) -> str:
    """``as_dict`` read back; ``text`` when there is nothing to rebuild or it no longer
    reads the same."""
    if not data:
        return text
    try:
        rebuilt = _from_dict(data)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return text
    return rebuilt if str(rebuilt) == text else text


def _from_dict(data: dict[str, Any]) -> Explained:
    values = {k: _from_dict(v) if isinstance(v, dict) and "id" in v else v
              for k, v in data["values"].items()}
    return Explained(data["id"], **values)

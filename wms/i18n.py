"""Messages for people, marked for translation without knowing who reads them.

Domain code has no request and no language, so it cannot translate. ``N_`` marks the
English text as a message id for ``pybabel extract`` and keeps the values apart:
``N_("location {code} is not in your warehouse", code=code)``. The result is a ``str``
that reads as the English sentence everywhere (logs, tests, the CLI), and the web layer
looks up the id in the reader's catalogue and formats *after* translating, so a
translation may move or drop the values (``库位 {code} 不属于你的仓库``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any


class Msg(str):
    """An English message that still knows its message id and values."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Msg:
        text = msgid.format(**params) if params else msgid
        self = super().__new__(cls, text)
        self.msgid, self.params = msgid, params
        return self

    def translated(self, gettext: Callable[[str], str]) -> str:
        params = {k: translate(v, gettext) for k, v in self.params.items()}
        found = gettext(self.msgid)
        try:
            return found.format(**params) if params else found
        except (KeyError, IndexError, ValueError):
            # A catalogue entry that names a value the message does not have: the English
            # sentence is still right, a broken one is not.
            return self.msgid.format(**params) if params else self.msgid

    def __reduce__(self):
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict[str, Any]) -> Msg:
    return Msg(msgid, **params)


def N_(msgid: str, /, **params: Any) -> Msg:
    """Mark ``msgid`` for extraction (the name gettext tools know) and keep its values."""
    return Msg(msgid, **params)


def adopt(value: Any) -> Any:
    """``value`` as a message when a pure engine marked it (the planner may not import this
    module: its explanations carry the same ``msgid`` and ``params``), values included."""
    if isinstance(value, Msg) or not isinstance(value, str):
        return value
    msgid, params = getattr(value, "msgid", None), getattr(value, "params", None)
    if not isinstance(msgid, str) or not isinstance(params, dict):
        return value
    return Msg(msgid, **{k: adopt(v) for k, v in params.items()})


def tidy(text: str) -> str:
    """``text`` without surrounding spaces; a message as it is (``str.strip`` would turn it
    into plain English)."""
    return text if isinstance(text, Msg) else text.strip()


def listed(items: Sequence[str], /) -> str:
    """``items`` as one message, ``"a, b, c"`` in English: each item that is a message is
    translated, and the reader's language puts the commas (``{first}, {then}``). Split in
    halves, so a long list nests only as deep as its logarithm."""
    if len(items) <= 1:
        return items[0] if items else ""
    half = len(items) // 2
    return N_("{first}, {then}", first=listed(items[:half]), then=listed(items[half:]))


def translate(value: Any, gettext: Callable[[str], str]) -> Any:
    """``value`` with every message in it translated: a message, or the lists and dicts
    of them that validation errors are (keys are field names and stay)."""
    if isinstance(value, Msg):
        return value.translated(gettext)
    if isinstance(value, dict):
        return {k: translate(v, gettext) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [translate(v, gettext) for v in value]
    return value


# A stored message starts with a private-use character nobody types, then its JSON: the
# id, the values and the English sentence, which is what it reads as if it cannot be
# rebuilt. Text without the mark (a person's comment, a row written before) is plain text.
_STORED = "\ue000"


def to_stored(value: str | None) -> str | None:
    """``value`` as a text column keeps it: a message with its id and values, so that it is
    read in the reader's language later; plain text as it is."""
    if not isinstance(value, Msg):
        return value
    return _STORED + json.dumps({"id": value.msgid, "values": _values(value.params),
                                 "en": str(value)}, ensure_ascii=False)


def from_stored(text: str | None) -> str | None:
    """What ``to_stored`` wrote, as the message again (plain text as it is)."""
    if not text or not text.startswith(_STORED):
        return text
    try:
        data = json.loads(text[1:])
        return _rebuilt(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return text[1:]  # not a message after all: better shown than lost


def _values(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in params.items():
        if isinstance(value, Msg):
            value = {_STORED: {"id": value.msgid, "values": _values(value.params),
                               "en": str(value)}}
        elif isinstance(value, Decimal):
            value = float(value)
        elif not isinstance(value, str | int | float | bool) and value is not None:
            value = str(value)  # dates and the like: format them before, if it matters
        out[name] = value
    return out


def _rebuilt(data: dict[str, Any]) -> str:
    values = {name: _rebuilt(v[_STORED]) if isinstance(v, dict) and _STORED in v else v
              for name, v in data["values"].items()}
    try:
        message = Msg(data["id"], **values)
    except (KeyError, IndexError, ValueError):
        return data["en"]  # a value whose format no longer applies: the English still reads
    return message if str(message) == data["en"] else data["en"]

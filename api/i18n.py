"""Chinese and English: who reads which, and the words, dates and numbers they read.

The language of a request is, in this order: the signed-in user's ``language``; the one
chosen with the switch before signing in (kept in the session); the browser's
``Accept-Language``; English. The words come from the Babel catalogue under
``api/translations`` (``make translations``); messages made in ``wms`` (``wms.i18n.N_``)
carry their message id and values and are translated here, at the edge.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.dates import get_timezone_name
from flask import Flask, g, request, session
from flask_babel import Babel, get_locale, get_translations
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect

from wms import durations
from wms import i18n as domain_i18n

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "en"
# What <html lang> says: Simplified Chinese as written in mainland China.
HTML_LANG = {"zh": "zh-Hans-CN", "en": "en"}
SESSION_KEY = "lang"
STATIC = Path(__file__).resolve().parent / "static"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_language, default_locale=DEFAULT)
    app.jinja_env.globals.update(
        languages=LANGUAGES, current_language=current_language, html_lang=html_lang,
        js_strings=js_strings, zone_label=zone_label, product_name=product_name, named=named,
        label=label)
    app.jinja_env.filters.update(label=label, duration=duration)
    # Whatever a page prints that is a message the software stored (an alert, a hold
    # reason) is shown in the reader's language, on every page, without each template
    # having to know which values are messages.
    app.jinja_env.finalize = tr_message


def select_language() -> str:
    if g.get("lang_override") in LANGUAGES:
        return g.lang_override
    # Whoever the request is from is known by now: api.auth.guard_request, or the public
    # page's own look-up of its session (api.web.session_auth.signed_in_user).
    user = g.get("user") or g.get("web_user")
    if user is not None and _loaded(user, "language") in LANGUAGES:
        return user.language
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)


def _loaded(obj: Any, attribute: str) -> Any:
    """An attribute as loaded, never loading it: the answer to a lost database connection
    is translated too, and must not need the database."""
    return sa_inspect(obj).dict.get(attribute)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def html_lang() -> str:
    return HTML_LANG[current_language()]


def gettext(msgid: str) -> str:
    """The reader's translation of a plain message id (no formatting: ``%`` stays)."""
    return get_translations().gettext(msgid)


def tr(value: Any) -> Any:
    """``value`` in the reader's language: a ``wms.i18n.Msg`` translated and formatted,
    lists and dicts of them (validation errors) walked; anything else as it is, except
    plain text that the catalogue happens to know (marshmallow's messages)."""
    if isinstance(value, domain_i18n.Msg):
        return value.translated(gettext)
    if isinstance(value, str):
        return gettext(value) if value else value
    if isinstance(value, dict):
        return {k: tr(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tr(v) for v in value]
    return value


def tr_message(value: Any) -> Any:
    """``value`` translated if it is a message made by the software, else as it is: unlike
    ``tr``, a person's own text is never looked up in the catalogue."""
    if isinstance(value, domain_i18n.Msg):
        return value.translated(gettext)
    return value


def label(value: Any) -> str:
    """A stored code word (a status, a temperature class, an action) as the reader says it."""
    text = getattr(value, "value", value)
    msg = CODE_WORDS.get(str(text))
    return gettext(msg) if msg is not None else str(text)


def named(en: str, zh: str | None) -> str:
    """A name given in both languages, in the reader's (English when there is no other)."""
    return zh if zh and current_language() == "zh" else en


def product_name(product: Any) -> str:
    """A product's name in the reader's language."""
    if product is None:
        return ""
    return named(product.name, getattr(product, "name_zh", None))


# --- time --------------------------------------------------------------------------------

def zone_label(tz: ZoneInfo, moment: datetime | None = None) -> str:
    """How the zone is named next to a time. English readers know the abbreviation and the
    IANA zone (``CST (Asia/Shanghai)``; CLDR has no English abbreviation for China); other
    languages get CLDR's own name of the zone (``中国标准时间``)."""
    moment = moment or datetime.now(tz)
    if current_language() == "en":
        return f"{moment.astimezone(tz).tzname()} ({tz.key})"
    return get_timezone_name(tz, "long", zone_variant="standard", locale=get_locale())


def clock(moment: datetime | None, tz: ZoneInfo, today: date | None = None) -> Markup:
    """A stored UTC time as the warehouse's wall clock, with the zone named."""
    if moment is None:
        return Markup("")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(tz)
    same_day = local.date() == (today or datetime.now(tz).date())
    shown = babel_datetime(local, "HH:mm:ss" if same_day else "MMMd HH:mm", tzinfo=tz,
                           locale=get_locale())
    return Markup('<time datetime="{}">{} <span class="zone">{}</span></time>').format(
        local.isoformat(), shown, zone_label(tz, local))


def duration(minutes: float | None) -> str:
    """Minutes as the reader says them ("1 h 05 min", "1 小时 05 分钟")."""
    return "" if minutes is None else tr(durations.spoken(minutes))


# --- the strings page JavaScript shows ------------------------------------------------------

_T_CALL = re.compile(r'(?<![\w.$])t\(\s*("(?:[^"\\\n]|\\.)*")')


def extract_page_script(fileobj, keywords=(), comment_tags=(), options=None):
    """A pybabel extractor for the page scripts: every ``t("...")`` with a double-quoted
    literal. Babel's own JavaScript lexer loses calls inside template literals, which these
    scripts are full of; the scripts keep to this one form instead (``babel.cfg``)."""
    text = fileobj.read().decode("utf-8")
    for match in _T_CALL.finditer(text):
        lineno = text.count("\n", 0, match.start()) + 1
        yield lineno, "t", json.loads(match.group(1)), []


@functools.cache
def js_msgids() -> tuple[str, ...]:
    """Every ``t("...")`` message id in the page scripts, read as ``pybabel extract`` reads
    them, so the catalogue and the page agree on what needs a translation."""
    ids: dict[str, None] = {}
    for path in sorted(STATIC.glob("*.js")):
        with path.open("rb") as fh:
            for _, _, message, _ in extract_page_script(fh):
                ids[message] = None
    return tuple(ids)


def js_strings() -> dict[str, dict[str, str]]:
    """What ``WMS.t`` and ``WMS.label`` read, rendered into the page as JSON: the page
    scripts' strings in the reader's language (one without a translation is left out and
    shows in English) and the code words."""
    strings = {} if current_language() == DEFAULT else {
        m: found for m in js_msgids() if (found := gettext(m)) != m}
    return {"strings": strings, "codes": {code: gettext(msg) for code, msg in CODE_WORDS.items()}}


# --- code words stored in the database, as people say them ---------------------------------

def _n(msgid: str) -> str:
    return msgid


CODE_WORDS = {
    # lot status
    "available": _n("available"), "hold": _n("hold"), "recalled": _n("recalled"),
    "spoiled": _n("spoiled"), "quarantine": _n("quarantine"),
    # kinds of location
    "warehouse": _n("warehouse"), "zone": _n("zone"), "receiving": _n("receiving"),
    "storage": _n("storage"), "staging": _n("staging"), "dock": _n("dock"),
    "vehicle": _n("vehicle"), "pickup_point": _n("pickup point"),
    # calibration of a sensor
    "valid": _n("valid"), "due_soon": _n("due soon"), "overdue": _n("overdue"),
    "none": _n("none"),
    # temperature classes
    "frozen": _n("frozen"), "chilled": _n("chilled"), "ambient": _n("ambient"),
    # scan actions and move kinds
    "receive": _n("receive"), "putaway": _n("putaway"), "move": _n("move"), "pick": _n("pick"),
    "load": _n("load"), "count": _n("count"), "scrap": _n("scrap"), "receipt": _n("receipt"),
    "transfer": _n("transfer"), "deliver": _n("deliver"), "handover": _n("handover"),
    "adjust": _n("adjust"), "release": _n("release"), "reversal": _n("reversal"),
    # order status
    "placed": _n("placed"), "partial": _n("partial"), "allocated": _n("allocated"),
    "picked": _n("picked"), "loaded": _n("loaded"), "delivered": _n("delivered"),
    "collected": _n("collected"), "cancelled": _n("cancelled"),
    # plans, routes, stops and jobs
    "draft": _n("draft"), "published": _n("published"), "superseded": _n("superseded"),
    "planned": _n("planned"), "loading": _n("loading"), "started": _n("started"),
    "completed": _n("completed"), "pending": _n("pending"), "exceptions": _n("exceptions"),
    "queued": _n("queued"), "finished": _n("finished"), "failed": _n("failed"),
    "short": _n("short"), "refused": _n("refused"), "damaged": _n("damaged"),
    # alerts
    "open": _n("open"), "acknowledged": _n("acknowledged"), "escalated": _n("escalated"),
    "resolved": _n("resolved"), "severe": _n("severe"), "minor": _n("minor"),
    "excursion": _n("excursion"), "lot_hold": _n("lot hold"), "shelf_life": _n("shelf life"),
    "gap": _n("data gap"), "close": _n("closed"),
    # why a stop was left unassigned
    "no_compatible_vehicle": _n("no compatible vehicle"), "over_capacity": _n("over capacity"),
    "time_window_unreachable": _n("time window unreachable"),
    "cold_chain_unreachable": _n("cold chain unreachable"), "no_room": _n("no room"),
    "not_worth_serving": _n("not worth serving"),
    "compartment_full": _n("compartment full"), "shift_exceeded": _n("shift exceeded"),
    "no_plan_in_time": _n("no plan within the time limit"),
    "left_out": _n("left out of the given routes"),
    "access": _n("no admitted vehicle"), "no_cold_storage": _n("no cold storage"),
    # suppliers
    "farm_base": _n("farm base"), "importer": _n("importer"), "wholesaler": _n("wholesaler"),
    # roles
    "admin": _n("admin"), "staff": _n("staff"), "dispatcher": _n("dispatcher"),
    "driver": _n("driver"), "buyer": _n("buyer"), "leader": _n("group leader"),
    # the pickup point's receipt of a delivery, and goods sent back
    "confirmed": _n("confirmed"), "disputed": _n("disputed"), "returned": _n("returned"),
}


# Plain messages other code writes, looked up in the catalogue as they are (``tr``): the
# HTTP reasons werkzeug names errors by, and marshmallow's and webargs' field messages.
PLAIN_MESSAGES = (
    _n("Bad Request"), _n("Unauthorized"), _n("Forbidden"), _n("Not Found"),
    _n("Method Not Allowed"), _n("Not Acceptable"), _n("Conflict"),
    _n("Request Entity Too Large"), _n("Unsupported Media Type"), _n("Unprocessable Entity"),
    _n("Precondition Required"), _n("Too Many Requests"), _n("Internal Server Error"),
    _n("Service Unavailable"),
    _n("The requested URL was not found on the server. If you entered the URL manually "
       "please check your spelling and try again."),
    _n("The method is not allowed for the requested URL."),
    _n("Missing data for required field."), _n("Unknown field."), _n("Field may not be null."),
    _n("Not a valid integer."), _n("Not a valid number."), _n("Not a valid string."),
    _n("Not a valid boolean."), _n("Not a valid date."), _n("Not a valid datetime."),
    _n("Invalid input type."), _n("Not a valid list."), _n("Not a valid mapping type."),
    _n("Invalid value."), _n("Invalid JSON body."),
)

"""The Chinese catalogue is complete and compiled, and messages with values translate
with their values in the places the translation puts them."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from wms.i18n import N_, Msg, translate

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "api" / "translations" / "zh" / "LC_MESSAGES"
KEYWORDS = {"N_": None, "_n": None, "t": None, "_": None, "gettext": None,
            "ngettext": (1, 2)}


def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every message id in the tree, as ``make translations`` extracts it, with where."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        if message:
            key = message if isinstance(message, str) else tuple(message)
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def test_every_message_has_a_chinese_translation():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        po = read_po(fh, locale="zh")
    known = {m.id: m.string for m in po if m.id}
    messages = extracted()
    assert len(messages) > 400  # pages, page scripts, API messages: the extraction ran
    untranslated = []
    for msgid, where in messages.items():
        text = known.get(msgid)
        strings = text if isinstance(text, tuple) else (text,)
        if not text or not all(strings):
            untranslated.append(f"{msgid!r} ({where[0]})")
    assert not untranslated, ("messages without a Chinese translation; run `make "
                              "translations` and fill api/translations/zh/LC_MESSAGES/"
                              "messages.po:\n" + "\n".join(untranslated))


def test_the_translations_keep_every_placeholder():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        po = read_po(fh, locale="zh")
    named = re.compile(r"\{\w+\}|%\(\w+\)[sd]")
    wrong = []
    for m in po:
        if not m.id or not m.string:
            continue
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        for string in (m.string if isinstance(m.string, tuple) else (m.string,)):
            if set(named.findall(msgid)) != set(named.findall(string)):
                wrong.append(f"{msgid!r} → {string!r}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_is_the_po_file():
    """The .mo files are committed (a fresh clone serves Chinese without a build step):
    they must say what the .po says."""
    with (CATALOGUE / "messages.po").open("rb") as fh:
        po = read_po(fh, locale="zh")
    with (CATALOGUE / "messages.mo").open("rb") as fh:
        mo = read_mo(fh)
    def table(catalog):
        return {tuple(m.id) if isinstance(m.id, list | tuple) else m.id:
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string
                for m in catalog if m.id}

    as_po, as_mo = table(po), table(mo)
    assert as_mo == as_po, "run `make translations` (pybabel compile) and commit the .mo"


def test_a_message_is_formatted_after_it_is_translated():
    catalogue = {"location {code} is not in your warehouse": "库位 {code} 不属于你的仓库",
                 "{month} has {last} days, not {day}": "{month}只有 {last} 天，没有 {day} 日",
                 "February": "二月"}
    msg = N_("location {code} is not in your warehouse", code="SH1-REC")
    assert msg == "location SH1-REC is not in your warehouse"  # English wherever it goes
    assert translate(msg, lambda s: catalogue.get(s, s)) == "库位 SH1-REC 不属于你的仓库"
    # Values that are messages themselves are translated too.
    nested = N_("{month} has {last} days, not {day}", month=N_("February"), last=28, day=30)
    assert nested == "February has 28 days, not 30"
    assert translate(nested, lambda s: catalogue.get(s, s)) == "二月只有 28 天，没有 30 日"
    # Field errors keep their field names.
    errors = {"location": [msg], "json": {"lines": {"2": [N_("February")]}}}
    assert translate(errors, lambda s: catalogue.get(s, s)) == {
        "location": ["库位 SH1-REC 不属于你的仓库"], "json": {"lines": {"2": ["二月"]}}}


def test_a_translation_naming_a_value_the_message_lacks_falls_back_to_english():
    msg = Msg("only {n} left", n=3)
    assert msg.translated(lambda s: "只剩 {count} 个") == "only 3 left"

"""Messages kept in text columns (``wms.models.base.MessageText``): a message comes back
as the same message, readable in any language; anything else comes back as it went in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from wms.i18n import N_, Msg, from_stored, listed, to_stored

ZH = {"lot {lot} held: {why}": "批次 {lot} 已冻结：{why}", "peak {peak} °C": "峰值 {peak} °C",
      "{first}, {then}": "{first}、{then}"}


def zh(msgid: str) -> str:
    return ZH.get(msgid, msgid)


def test_a_nested_message_comes_back_translatable():
    held = N_("lot {lot} held: {why}", lot="L-1", why=N_("peak {peak} °C", peak="9.4"))
    back = from_stored(to_stored(held))
    assert isinstance(back, Msg) and back == "lot L-1 held: peak 9.4 °C"
    assert back.translated(zh) == "批次 L-1 已冻结：峰值 9.4 °C"


def test_a_list_of_messages_keeps_the_readers_commas():
    back = from_stored(to_stored(listed([N_("peak {peak} °C", peak="1"), "x", "y"])))
    assert back == "peak 1 °C, x, y" and back.translated(zh) == "峰值 1 °C、x、y"


def test_values_that_json_cannot_hold_are_kept_as_their_text():
    msg = N_("due {day}, {kg} kg", day=date(2026, 12, 2), kg=Decimal("1.5"))
    assert from_stored(to_stored(msg)) == "due 2026-12-02, 1.5 kg"


def test_a_value_whose_format_no_longer_applies_still_reads_as_written():
    # Stored with a number; a later message id that formats it reads the stored English.
    stored = to_stored(N_("{n:.1f} °C", n=2.25))
    assert from_stored(stored) == "2.2 °C"
    broken = stored.replace('"n": 2.25', '"n": "2.25"')
    assert from_stored(broken) == "2.2 °C" and not isinstance(from_stored(broken), Msg)


def test_a_mark_without_a_message_behind_it_is_shown_not_lost():
    assert from_stored("\ue000not json") == "not json"


@given(st.text())
def test_plain_text_goes_in_and_out_unchanged(text):
    if not text.startswith("\ue000"):
        assert from_stored(to_stored(text)) == text
    assert to_stored(None) is None and from_stored(None) is None


@given(st.recursive(
    st.text(max_size=10).map(lambda t: t.replace("{", "").replace("}", "")),
    lambda inner: st.tuples(inner, inner).map(
        lambda ab: N_("{a} / {b}", a=ab[0], b=ab[1])), max_leaves=8))
def test_any_message_tree_comes_back_equal_with_its_ids(message):
    back = from_stored(to_stored(message))
    assert back == message
    if isinstance(message, Msg):
        assert back.msgid == message.msgid
        assert back.translated(lambda m: m.replace("/", "|")) == \
            message.translated(lambda m: m.replace("/", "|"))

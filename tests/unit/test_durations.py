"""Lengths of time as people read them, not "27.4" minutes."""

import pytest

from wms.durations import spoken
from wms.i18n import translate


@pytest.mark.parametrize(("minutes", "text"), [
    (0, "0 min"), (27.4, "27 min"), (59.4, "59 min"), (59.6, "1 h 00 min"), (65, "1 h 05 min"),
    (125, "2 h 05 min"), (47 * 60 + 59, "47 h 59 min"), (48 * 60, "2 d 0 h"),
    (3 * 1440 + 4 * 60 + 30, "3 d 4 h"), (-5, "0 min"),
])
def test_spoken_durations(minutes, text):
    assert spoken(minutes) == text


def test_a_translation_places_the_numbers_where_its_grammar_wants_them():
    zh = {"{h} h {mm} min": "{h} 小时 {mm} 分钟", "{m} min": "{m} 分钟"}
    assert translate(spoken(65), lambda m: zh.get(m, m)) == "1 小时 05 分钟"
    assert translate(spoken(27), lambda m: zh.get(m, m)) == "27 分钟"

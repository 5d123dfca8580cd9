"""The planner's explanations read as English and keep their message id and values, through
a plan written as JSON and back, so the web layer can translate them (values included)."""

from __future__ import annotations

import pickle

from routing.engine import messages
from routing.engine.messages import N_, joined, word
from routing.engine.model import Solution, Unassigned
from wms.i18n import Msg, adopt

ZH = {"the {cls} compartment of {vehicle} is over capacity after {stop}":
      "{vehicle} 的{cls}车厢在 {stop} 之后超出容量",
      "frozen": "冷冻", "chilled": "冷藏", "{first}, {then}": "{first}、{then}",
      "no vehicle has compartments for {classes}": "没有车辆具备{classes}车厢"}


def test_an_explanation_reads_as_english_and_keeps_its_id_and_values():
    text = N_("the {cls} compartment of {vehicle} is over capacity after {stop}",
              cls=word("frozen"), vehicle="SH1-T01", stop="SH-P004")
    assert text == "the frozen compartment of SH1-T01 is over capacity after SH-P004"
    message = adopt(text)
    assert isinstance(message, Msg) and isinstance(message.params["cls"], Msg)
    assert message.translated(lambda s: ZH.get(s, s)) == "SH1-T01 的冷冻车厢在 SH-P004 之后超出容量"
    assert adopt("typed by a person") == "typed by a person"


def test_explanations_survive_a_plan_written_as_json_and_a_worker_pickle():
    why = N_("no vehicle has compartments for {classes}",
             classes=joined([word("frozen"), word("chilled")]))
    solution = Solution(routes=[], unassigned=[Unassigned("SH-P003/frozen", "x", why)],
                        total_cost=0, total_distance_km=0, vehicles_used=0)
    [back] = Solution.from_json(solution.to_json()).unassigned
    assert back.message == "no vehicle has compartments for frozen, chilled"
    assert adopt(back.message).translated(lambda s: ZH.get(s, s)) == "没有车辆具备冷冻、冷藏车厢"
    assert pickle.loads(pickle.dumps(why)).params["classes"].msgid == "{first}, {then}"


def test_text_that_no_longer_reads_the_same_is_kept_as_written():
    assert messages.from_dict({"id": "{n} stops", "values": {"n": 3}}, "4 stops") == "4 stops"
    assert messages.from_dict({"id": "{missing}", "values": {}}, "as stored") == "as stored"
    assert messages.from_dict(None, "plain") == "plain"

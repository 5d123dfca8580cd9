"""The sorting list per pickup point and temperature class, and its printable crate
labels: crates counted from each product's crate size, orders named on their crates."""

from __future__ import annotations

from datetime import date, timedelta

from tests.e2e.test_pages import people, sign_in  # noqa: F401  (fixture)
from tests.factories import receive

DAY = (date.today() + timedelta(days=1)).isoformat()


def place(api, ref: str, point: str, lines: list[tuple[str, int]]) -> None:
    resp = api.as_("dispatcher").post("/api/orders", json={
        "external_ref": ref, "pickup_point": point, "delivery_date": DAY,
        "lines": [{"sku": sku, "quantity": q} for sku, q in lines]})
    assert resp.status_code == 201, resp.json


def test_sorting_list_and_crate_labels(api, world, sessions, client, people):  # noqa: F811
    for sku, bin_ in (("C00002", "SH1-C-A01-01"), ("F00001", "SH1-F-A01-01")):
        receive(sessions, world, sku, f"L-{sku}", bin_, 100)
    # Crates hold 10 units of every test product.
    place(api, "S-1", "SH-P001", [("C00002", 6), ("F00001", 3)])
    place(api, "S-2", "SH-P001", [("C00002", 8)])
    place(api, "S-3", "SH-P002", [("C00002", 25)])
    resp = api.as_("dispatcher").post("/api/allocations", json={"warehouse": "SH1",
                                                                "date": DAY})
    assert resp.status_code == 200, resp.json

    resp = api.as_("staff").get("/api/sorting-lists", query_string={"warehouse": "SH1",
                                                                    "date": DAY})
    assert resp.status_code == 200, resp.json
    groups = [(g["pickup_point"], g["temp_class"], g["units"],
               [(c["number"], c["of"], c["orders"]) for c in g["crates"]])
              for g in resp.json["groups"]]
    assert groups == [
        ("SH-P001", "frozen", 3, [(1, 1, ["S-1"])]),
        ("SH-P001", "chilled", 14, [(1, 2, ["S-1", "S-2"]), (2, 2, ["S-2"])]),
        ("SH-P002", "chilled", 25, [(1, 3, ["S-3"]), (2, 3, ["S-3"]), (3, 3, ["S-3"])]),
    ]
    assert resp.json["crates"] == 6

    assert api.as_("staff-bj").get("/api/sorting-lists", query_string={
        "warehouse": "SH1", "date": DAY}).status_code == 403
    assert api.as_("staff").get("/api/sorting-lists", query_string={
        "warehouse": "SH1"}).status_code == 422

    assert sign_in(client, "staff").status_code == 302
    html = client.get(f"/sorting-labels?date={DAY}").get_data(as_text=True)
    assert html.count('class="label"') == 6
    assert "6 crates for 2 pickup points" in html
    assert "2 of 3" in html
    chinese = client.get(f"/sorting-labels?date={DAY}",
                         headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "6 箱，2 个自提点" in chinese

"""Certificates and lab results over HTTP: a lot received without the certificate its
order expects goes to quarantine and stays there until the certificate is uploaded; a
supplier's valid certificate covers its lots; files are checked by content and come back
as they went in."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.factories import label
from wms.models import Document, Location, Lot, LotStatus, StockBalance
from wms.pdf import text_pdf

TODAY = date.today()
SOON = TODAY + timedelta(days=6)
PDF = text_pdf(["Organic certificate", "No. OC-2026-001"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _order(api, certifications: str = "GAP, Organic", ref: str = "PO-C-1") -> None:
    buyer = api.as_("buyer")
    made = buyer.post("/api/purchase-orders", json={
        "ref": ref, "supplier": "SUP-1", "warehouse": "SH1",
        "expected_date": TODAY.isoformat(), "window_start": "00:00:00",
        "window_end": "23:59:00",
        "lines": [{"sku": "C00002", "quantity": 100, "unit_price": 3.5, "origin": "ORG-1",
                   "certifications": certifications}]})
    assert made.status_code == 201, made.json
    assert buyer.post(f"/api/purchase-orders/{ref}/send").status_code == 200


def _receive(api, world, lot: str, ref: str = "PO-C-1"):
    return api.as_("staff").post("/api/scans", headers=_key(), json={
        "action": "receive", "location": "SH1-REC", "purchase_order": ref,
        "barcode": label(world.gtins["C00002"], lot=lot, expiry=SOON, count=30)})


def _upload(client, path: str, content: bytes = PDF, name: str = "organic.pdf", **facts):
    form = {"kind": "organic", "issuer": "China Organic Food Certification Center",
            "number": "OC-2026-001", "valid_from": (TODAY - timedelta(days=30)).isoformat(),
            **facts, "file": (io.BytesIO(content), name)}
    return client.post(path, data=form, content_type="multipart/form-data")


def _where(sessions, lot_id: int) -> dict[str, int]:
    with sessions() as s:
        return dict(s.execute(select(Location.code, StockBalance.on_hand)
                              .join(StockBalance, StockBalance.location_id == Location.id)
                              .where(StockBalance.lot_id == lot_id,
                                     StockBalance.on_hand > 0)).all())


def test_missing_certificate_quarantines_until_uploaded_then_staff_release(api, world,
                                                                           sessions):
    _order(api)
    got = _receive(api, world, "ORG-L1")
    assert got.status_code == 201, got.json
    lot_id = got.json["lot"]["id"]
    assert any("certificate missing (organic)" in h for h in got.json["hints"]), got.json
    with sessions() as s:
        lot = s.get(Lot, lot_id)
        assert (lot.status, lot.status_reason) == (LotStatus.HOLD,
                                                   "certificate missing: organic")
    assert _where(sessions, lot_id) == {"SH1-C-QRT": 30}

    staff = api.as_("staff")
    listed = staff.get(f"/api/lots/{lot_id}/documents")
    assert listed.status_code == 200
    assert (listed.json["required"], listed.json["missing"]) == (["organic"], ["organic"])

    refused = staff.post(f"/api/lots/{lot_id}/release", json={"reason": "checked"})
    assert refused.status_code == 409
    assert "certificate is missing (organic)" in refused.json["detail"]
    assert _where(sessions, lot_id) == {"SH1-C-QRT": 30}

    up = _upload(staff, f"/api/lots/{lot_id}/documents")
    assert up.status_code == 201, up.json
    assert (up.json["kind"], up.json["content_type"], up.json["passed"]) == \
        ("organic", "application/pdf", None)
    assert staff.get(f"/api/lots/{lot_id}/documents").json["missing"] == []

    released = staff.post(f"/api/lots/{lot_id}/release", json={"reason": "certificate in"})
    assert released.status_code == 200, released.json
    assert "SH1-C-QRT" not in _where(sessions, lot_id)

    down = api.as_("buyer").get(up.json["url"])
    assert down.status_code == 200
    assert down.data == PDF
    assert down.headers["Content-Type"] == "application/pdf"
    assert down.headers["Content-Disposition"].startswith('attachment; filename="organic.pdf"')


def test_valid_supplier_certificate_covers_the_lot_an_expired_one_does_not(api, world,
                                                                          sessions):
    buyer = api.as_("buyer")
    old = _upload(buyer, "/api/suppliers/SUP-1/documents",
                  valid_from=(TODAY - timedelta(days=400)).isoformat(),
                  valid_to=(TODAY - timedelta(days=1)).isoformat(), number="OC-2024-9")
    assert old.status_code == 201, old.json
    _order(api)
    first = _receive(api, world, "ORG-L2")
    assert first.status_code == 201
    assert _where(sessions, first.json["lot"]["id"]) == {"SH1-C-QRT": 30}

    assert _upload(buyer, "/api/suppliers/SUP-1/documents").status_code == 201
    second = _receive(api, world, "ORG-L3")
    assert second.status_code == 201
    assert _where(sessions, second.json["lot"]["id"]) == {"SH1-REC": 30}
    listed = buyer.get("/api/suppliers/SUP-1/documents")
    assert [d["number"] for d in listed.json] == ["OC-2026-001", "OC-2024-9"]
    # The supplier's documents show with each of its lots.
    assert {d["supplier"] for d in buyer.get(
        f"/api/lots/{second.json['lot']['id']}/documents").json["documents"]} == {"SUP-1"}


def test_an_order_without_certificate_kinds_receives_as_before(api, world, sessions):
    _order(api, certifications="GAP, HACCP")
    got = _receive(api, world, "GAP-L1")
    assert got.status_code == 201
    assert _where(sessions, got.json["lot"]["id"]) == {"SH1-REC": 30}


def test_residue_test_pass_and_fail_are_computed(api, world, sessions):
    lot_id = _lot(api, world)
    buyer = api.as_("buyer")
    residue = {"kind": "pesticide_residue", "analyte": "chlorpyrifos", "unit": "mg/kg",
               "issuer": "SGS Shanghai", "number": "R-1"}
    ok = _upload(buyer, f"/api/lots/{lot_id}/documents", content=PNG, name="r.png",
                 result="0.01", limit="0.05", **residue)
    assert ok.status_code == 201, ok.json
    assert (ok.json["passed"], ok.json["content_type"], ok.json["filename"]) == \
        (True, "image/png", "r.png")
    bad = _upload(buyer, f"/api/lots/{lot_id}/documents", result="0.2", limit="0.05",
                  **{**residue, "number": "R-2"})
    assert bad.status_code == 201 and bad.json["passed"] is False


def _lot(api, world) -> int:
    _order(api, certifications="GAP", ref="PO-C-9")
    got = _receive(api, world, "RES-L1", ref="PO-C-9")
    assert got.status_code == 201
    return got.json["lot"]["id"]


def test_bad_uploads_name_the_field_and_store_nothing(api, world, sessions):
    lot_id = _lot(api, world)
    buyer = api.as_("buyer")
    path = f"/api/lots/{lot_id}/documents"
    cases = [
        (dict(content=b"%!PS-Adobe-3.0 not a pdf", name="fake.pdf"), "file"),
        (dict(content=b"%PDF-" + b"0" * (10 * 1024 * 1024)), "file"),
        (dict(valid_to=(TODAY - timedelta(days=90)).isoformat()), "valid_to"),
        (dict(kind="pesticide_residue", analyte="chlorpyrifos", result="0.01",
              unit="mg/kg"), "limit"),
        (dict(analyte="chlorpyrifos"), "analyte"),
        (dict(kind="gap"), "kind"),
        (dict(issuer=""), "issuer"),
    ]
    for kw, field in cases:
        resp = _upload(buyer, path, **kw)
        assert resp.status_code == 422, (kw, resp.json)
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        errors = resp.json["errors"]
        assert field in {**errors, **errors.get("form", {})}, (kw, resp.json)
    with sessions() as s:
        assert s.scalar(select(func.count(Document.id))) == 0
    zh = buyer.post(path, data={"kind": "organic", "issuer": "x", "number": "1",
                                "valid_from": TODAY.isoformat(),
                                "file": (io.BytesIO(b"hello"), "a.txt")},
                    content_type="multipart/form-data", headers={"Accept-Language": "zh"})
    assert zh.status_code == 422
    assert "PDF" in zh.json["detail"] and "不是" in zh.json["detail"]


def test_scope_another_warehouse_403_suppliers_documents_buyers_only_missing_404(api, world):
    lot_id = _lot(api, world)
    up = _upload(api.as_("buyer"), "/api/suppliers/SUP-1/documents")
    assert up.status_code == 201
    assert api.as_("staff-bj").get(f"/api/lots/{lot_id}/documents").status_code == 403
    assert _upload(api.as_("staff-bj"), f"/api/lots/{lot_id}/documents").status_code == 403
    assert api.as_("staff").get(up.json["url"]).status_code == 403
    assert api.as_("staff").get("/api/suppliers/SUP-1/documents").status_code == 403
    assert api.as_("dispatcher").get(f"/api/lots/{lot_id}/documents").status_code == 403
    assert api.as_("buyer").get("/api/lots/999999/documents").status_code == 404
    assert api.as_("buyer").get("/api/documents/999999/file").status_code == 404
    assert _upload(api.as_("buyer"), "/api/suppliers/NOPE/documents").status_code == 404

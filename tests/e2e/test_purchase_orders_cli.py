"""``wms purchase-orders import``: all or nothing, every error by its line in the file."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from wms.db import transaction
from wms.models import PurchaseOrder, PurchaseOrderLine

DAY = (date.today() + timedelta(days=2)).isoformat()
HEADER = ("ref,supplier,warehouse,expected_date,window_start,window_end,sku,quantity,"
          "unit_price,currency,origin,harvest_date,certifications\n")


def _run(tmp_path, database_url, text: str):
    path = tmp_path / "pos.csv"
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["purchase-orders", "import", str(path), "--send"],
                              env={"WMS_DATABASE_URL": database_url})


def _counts(sessions) -> tuple[int, int]:
    with transaction(sessions) as s:
        return (s.scalar(select(func.count()).select_from(PurchaseOrder)),
                s.scalar(select(func.count()).select_from(PurchaseOrderLine)))


@pytest.mark.usefixtures("world")
def test_a_file_with_bad_lines_imports_nothing_and_names_each_line(tmp_path, database_url,
                                                                   sessions):
    text = HEADER + (
        f"PO-CSV-1,SUP-1,SH1,{DAY},06:00,09:00,C00002,100,3.5,CNY,ORG-1,,GAP\n"   # line 2: ok
        f"PO-CSV-1,SUP-1,SH1,{DAY},06:00,09:00,F00001,ten,12,CNY,,,\n"           # 3: quantity
        f"PO-CSV-2,SUP-1,SH1,2026-13-01,06:00,09:00,C00002,5,1,CNY,,,\n"           # 4: date
        f"PO-CSV-3,SUP-1,SH1,{DAY},06:00,09:00,NOPE,5,1,CNY,,,\n"                  # 5: sku
        f"PO-CSV-3,SUP-1,SH1,{DAY},06:00,09:00,A00003,5,1,CNY,ORG-NONE,,\n"        # 6: origin
        f"PO-CSV-1,SUP-1,BJ1,{DAY},06:00,09:00,A00003,5,1,CNY,,,\n")               # 7: header
    result = _run(tmp_path, database_url, text)
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert "line 3: quantity 'ten' is not a whole number" in err
    assert "line 4: expected_date '2026-13-01' is not a date" in err
    assert "line 5: no product 'NOPE'" in err
    assert "line 6: no origin 'ORG-NONE'" in err
    assert "line 7: warehouse differ from line 2 of order PO-CSV-1" in err
    assert "line 2:" not in err
    assert "nothing imported" in err
    assert _counts(sessions) == (0, 0)


@pytest.mark.usefixtures("world")
def test_a_good_file_imports_every_order_sent(tmp_path, database_url, sessions):
    text = HEADER + (
        f"PO-CSV-1,SUP-1,SH1,{DAY},06:00,09:00,C00002,100,3.5,CNY,ORG-1,{DAY},GAP\n"
        f"PO-CSV-1,SUP-1,SH1,{DAY},,,F00001,40,12,,,,\n"
        f"PO-CSV-2,SUP-1,BJ1,{DAY},07:00,08:00,A00003,5,1,USD,,,\n")
    result = _run(tmp_path, database_url, text)
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 purchase orders imported" in result.output
    assert _counts(sessions) == (2, 3)
    with transaction(sessions) as s:
        po = s.scalar(select(PurchaseOrder).where(PurchaseOrder.ref == "PO-CSV-1"))
        assert po.state.value == "sent"
        assert [(ln.product.sku, ln.quantity, ln.certifications) for ln in po.lines] == \
            [("C00002", 100, "GAP"), ("F00001", 40, "")]

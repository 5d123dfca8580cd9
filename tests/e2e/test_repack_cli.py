"""``wms repack``: the packing table's record from the command line."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import main
from tests.e2e.test_repack_api import BIN, _bags, _case_lot
from wms.db import transaction
from wms.models import Lot, LotLineage, StockMove


def _run(database_url, *args: str):
    return CliRunner().invoke(main, ["repack", *args], env={"WMS_DATABASE_URL": database_url})


def test_repack_from_the_command_line_and_bad_input_in_one_line(database_url, sessions,
                                                                world):
    _bags(sessions, world)
    case = _case_lot(sessions, world)
    done = _run(database_url, BIN, "--input", f"{case}:2:20", "--output", "C00010:38:BAG-CLI",
                "--by", "staff")
    assert done.exit_code == 0, done.output
    assert "19 kg out (95 % yield)" in done.output
    assert "C00010  BAG-CLI  38  expires" in done.output
    with transaction(sessions) as s:
        bag = s.scalar(select(Lot).where(Lot.lot_code == "BAG-CLI"))
        assert s.scalar(select(LotLineage.input_lot_id).where(
            LotLineage.output_lot_id == bag.id)) == case
        moves = s.scalar(select(func.count()).select_from(StockMove))
    heavy = _run(database_url, BIN, "--input", f"{case}:1", "--output", "C00010:40")
    assert heavy.exit_code == 2
    assert heavy.stderr.startswith("wms: outputs: the outputs weigh 20.000 kg, more than")
    assert _run(database_url, BIN, "--input", "x:1", "--output", "C00010:1").exit_code == 2
    assert _run(database_url, "NOWHERE", "--input", f"{case}:1",
                "--output", "C00010:1").stderr.startswith("wms: no location NOWHERE")
    with transaction(sessions) as s:
        assert s.scalar(select(func.count()).select_from(StockMove)) == moves

"""The route-planning engine on plain data: problem model, matrices, OR-Tools solver,
schedules, reasons for unserved stops, the independent validator, Solomon instances and
the ``routes`` CLI. Pure: no database, no Flask, nothing from ``wms`` or ``api``."""

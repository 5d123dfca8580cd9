"""Cold-chain analysis on plain data: reading files and JSON into readings, excursions and
gaps, MKT, shelf life by kinetics, alarm rule books, units, chart downsampling.
Pure: no database, no Flask, nothing from ``wms`` or ``api``."""

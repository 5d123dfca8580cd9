"""Turning logger files and gateway batches into plain arrays of readings.

Three sources are understood, each in its own module:

* **CSV logger exports** (``generic_csv``: :func:`parse_csv`, :func:`parse_csv_text`;
  the header in ``csv_header``, timestamp formats in ``time_formats``). The delimiter (``,``
  ``;`` or tab), the header names, the timestamp format and the unit are found on the file
  itself; metadata lines above the header are skipped (a "Serial: …" line there names the
  logger when the table has no serial column).
* **Berlinger Q-tag text downloads** (``qtag``: :func:`parse_qtag`), with the device's own
  configuration and alarm results alongside the logged points.
* **JSON batches from gateways** (``json_batch``: :func:`normalise_json`).

What they share (result types, time zones, temperatures) is ``conventions``.

Conventions
-----------
* Good rows come out as UTC epoch seconds (int64, whole seconds) and °C (float64), in file
  order, each with the file line (1-based, header = line 1 of a plain CSV) or batch index it
  came from. Every good row is kept; nothing is de-duplicated here (storage keeps one reading
  per sensor and timestamp, evaluation does the same).
* Every rejected row is reported with its line, its raw text and all the reasons it failed:
  an unparseable time, a missing or non-numeric temperature, a temperature outside the
  physically possible −90…+90 °C, a missing serial. Blank lines are counted, not reported.
* Times without an offset are wall-clock time in the caller's time zone (default
  Asia/Shanghai, where the warehouses are); at a daylight-saving change an ambiguous wall
  time is read as its first occurrence. Times with an offset (ISO 8601) keep it. JSON batches
  must carry an offset: a gateway knows its time zone, so a naive timestamp there is an error.
* Day-first versus month-first dates are decided on the whole file: a first number above 12
  means day-first, a second number above 12 month-first; when the file never tells, the
  ``day_first`` option decides and ``detected["date_order_ambiguous"]`` says so.
* Fahrenheit is converted once, here. The unit comes from the header ("Temp (°F)"), from a
  unit written next to each value ("40.1 °F"), or from the ``unit`` option; a header unit that
  contradicts the option is an error rather than a guess.
"""

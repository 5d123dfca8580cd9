"""Cold-chain monitoring in the database: sensors and their attachments, storing readings,
evaluating them into findings and alerts, holding exposed lots, escalation, lot
temperature histories, reports, supplier scorecards, LSFO allocation and demo sensors.
Uses ``coldchain.analysis`` for every computation."""

from coldchain.monitoring import entry as _entry

# Every program that uses the cold chain (the app, workers, the command line) holds lots
# moved into a place in temperature alarm.
_entry.install()

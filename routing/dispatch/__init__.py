"""Dispatch from the database: problems built from the day's allocated orders, plans and
routes stored as versions (``plans``), publishing, drivers' manifests, delivery
confirmations and the demo day. Uses ``routing.engine`` to solve and validate."""

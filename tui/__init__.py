"""``saas-sim tui``: the Textual application where a founder edits a plan and watches the future move.

Free of business logic: it calls ``saas_sim`` for validation, simulation,
metrics, rendering of charts and the store.
"""

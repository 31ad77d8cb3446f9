"""Alembic's environment for the store.

The store runs migrations itself (:func:`saas_sim.store.database.migrate`),
handing over a connection that already holds SQLite's write lock; then the
migrations join that transaction.  Run by hand (``alembic -c
saas_sim/store/alembic.ini -x db=PATH upgrade head``) it opens the database
named by ``-x db=PATH``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from sqlalchemy import create_engine

from saas_sim.store import tables
from saas_sim.store.database import mark_as_store, sqlite_url

target_metadata = tables.SQLModel.metadata  # importing tables registered them on it

connection = context.config.attributes.get("connection")
if connection is None:
    database = Path(context.get_x_argument(as_dictionary=True).get("db", "saas-sim.db"))
    with create_engine(sqlite_url(database)).begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        context.run_migrations()
        mark_as_store(connection)
    with create_engine(sqlite_url(database)).connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode = WAL")
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

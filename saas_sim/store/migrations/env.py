"""Alembic's environment for the store.

The store runs migrations itself (:func:`saas_sim.store.database.migrate`),
handing over a connection that already holds SQLite's write lock; then the
migrations join that transaction.  Run by hand (``alembic -c
saas_sim/store/alembic.ini -x db=PATH upgrade head``) it opens the database
named by ``-x db=PATH``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from saas_sim.store import tables

target_metadata = tables.SQLModel.metadata  # importing tables registered them on it

connection = context.config.attributes.get("connection")
if connection is None:
    database = context.get_x_argument(as_dictionary=True).get("db", "saas-sim.db")
    with create_engine(f"sqlite:///{database}").begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

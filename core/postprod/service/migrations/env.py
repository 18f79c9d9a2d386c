"""Alembic's environment for the ledger: online migrations only.

`postprod.service.database.upgrade_to_head` passes its own connection (already inside the
locked transaction) in ``config.attributes["connection"]``. From Alembic's command line
(``alembic -c core/postprod/service/migrations/alembic.ini -x db=URL ...``) the URL comes
from ``-x db=``, else ``$POSTPROD_DB_URL`` / the default SQLite file, and the same lock is
taken.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from postprod.service.database import lock_schema, make_engine
from postprod.service.schema import metadata
from postprod.service.settings import default_db_url


def _run(connection: Connection) -> None:
    # Batch mode: SQLite cannot ALTER most things, so later revisions' alter_table calls
    # become copy-and-rename there (and plain ALTERs on PostgreSQL).
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise SystemExit("the ledger's migrations run online only (no --sql)")
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = (context.get_x_argument(as_dictionary=True).get("db")
           or context.config.get_main_option("sqlalchemy.url") or default_db_url())
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            lock_schema(conn)
            _run(conn)
    finally:
        engine.dispose()


_main()

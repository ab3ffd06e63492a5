"""Every table module, imported once so that `Base.metadata` knows the whole schema (Alembic uses it)."""

from cyberreg.store import tables, tables_alerts, tables_trade, tables_vectors

Base = tables.Base
__all__ = ["Base", "tables", "tables_alerts", "tables_trade", "tables_vectors"]

"""The store: SQLAlchemy tables, Alembic migrations and full-text search over one database."""

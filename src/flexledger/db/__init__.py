"""Database layer: the only package that imports SQLAlchemy or Alembic.

`Database` wraps one engine (SQLite file or PostgreSQL) and hands out units of work;
ORM rows live in `tables/`, migrations in `migrations/`. Nothing outside this package
sees an ORM object or a SQL statement: repositories take and return domain types.
"""

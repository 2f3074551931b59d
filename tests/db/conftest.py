"""The db tier: the real PostgreSQL (127.0.0.1:5432, else an embedded server), one migrated database per session.

The database fixtures (pg_admin_dsn, pg_dsn, scratch_dsn, database_url) live in tests/support/postgres.py,
loaded for every tier by tests/conftest.py; moto stands in for AWS.
"""

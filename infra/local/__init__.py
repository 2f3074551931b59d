"""The local stack: the whole pipeline on one machine, with no AWS account and no preinstalled Postgres.

moto (server mode) stands in for Kinesis, S3 and Secrets Manager; PostgreSQL is DATABASE_URL or an
embedded server; `chalice local` serves the API; an event pump calls the same handler functions Lambda
calls, with Lambda-shaped events. `python -m infra.local up` runs it; `python -m infra.local demo` drives it.
"""

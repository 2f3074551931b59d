"""The lake, locally: the Athena statements, transpiled by sqlglot from Trino to DuckDB, run over the raw files.

DuckDB cannot fetch its extensions here (no httpfs), so the files come from the bucket through boto3 into a
temporary folder, keeping their dt=/hour= layout; a DuckDB view over them stands in for the Glue table (the
same columns, all text, as OpenCSVSerde reads them). Then the same typed view, curated table, MERGE and tile
queries as Athena runs. `make lake` (python -m infra.local.lake) compares the tiles with PostgreSQL's
reporting views on the running local stack; the tests do the same on the files they land.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import sqlglot
from sqlglot import exp

from chalicelib.lake import statements

TILE_KEYS = {"headline": ("state",), "fraud_by_location": ("latitude", "longitude"), "fraud_by_state": ("state",),
             "fraud_by_merchant": ("merchant",), "fraud_by_category": ("category",), "daily_volume": ("day",)}
_DAY = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/")


def to_duckdb(trino_sql: str) -> str:
    """One Trino statement as DuckDB SQL. The curated table's Iceberg clauses (partitioning, location,
    table properties) have no DuckDB meaning and are dropped; the columns and types stay."""
    tree = sqlglot.parse_one(trino_sql, read="trino")
    if isinstance(tree, exp.Create) and tree.args.get("properties"):
        tree.set("properties", None)
    return tree.sql(dialect="duckdb")


def fetch_raw_files(s3, bucket: str, prefix: str, folder: Path) -> list[str]:
    """Every raw object under `prefix`, downloaded into `folder` under its own key: the keys."""
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith("/"):
                continue
            target = folder / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, obj["Key"], str(target))
            keys.append(obj["Key"])
    return keys


class LocalLake:
    """A DuckDB database playing Athena over the raw files in `folder` (laid out as the bucket is)."""

    def __init__(self, folder: Path, raw_prefix: str = "raw-data/"):
        self.con = duckdb.connect()
        self._files = sorted(str(p) for p in (folder / raw_prefix).glob("dt=*/hour=*/*") if p.is_file())
        columns = ", ".join(f"'{c}': 'VARCHAR'" for c in statements.STREAM_COLUMNS)
        if self._files:
            source = (f"read_csv({self._files!r}, header = true, columns = {{{columns}}}, quote = '\"', "
                      "escape = '\"', hive_partitioning = true, hive_types_autocast = false)")
        else:  # nothing landed yet: the same columns, no rows
            source = (f"(SELECT {', '.join(f'NULL::VARCHAR AS {c}' for c in statements.STREAM_COLUMNS)}, "
                      "NULL::VARCHAR AS dt, NULL::VARCHAR AS hour WHERE false)")
        self.con.execute(f"CREATE VIEW {statements.RAW_TABLE} AS SELECT * FROM {source}")

    def days(self) -> list[dt.date]:
        return sorted({dt.date.fromisoformat(m.group(1)) for f in self._files if (m := _DAY.search(f))})

    def run(self, trino_sql: str) -> list[dict]:
        cur = self.con.execute(to_duckdb(trino_sql))
        if cur.description is None:
            return []
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def compact(self, first_day: dt.date | None = None, last_day: dt.date | None = None) -> None:
        """What the scheduled compaction runs in Athena: the bootstrap statements, then the MERGE."""
        days = self.days()
        for statement in statements.bootstrap_statements("s3://local-lake/transactions/"):
            self.run(statement)
        if days:
            self.run(statements.compaction_sql(first_day or days[0], last_day or days[-1]))

    def tiles(self) -> dict[str, list[dict]]:
        return {tile: self.run(statements.tile_query(tile)) for tile in statements.TILES}


def postgres_tiles(dsn: str) -> dict[str, list[dict]]:
    """The same tiles from PostgreSQL's reporting views, read as the reporting role reads them."""
    conn = psycopg2.connect(dsn)
    try:
        conn.set_session(readonly=True)
        found = {}
        with conn.cursor() as cur:
            for tile in statements.TILES:
                cur.execute(f"SELECT * FROM reporting.{tile}")
                names = [d.name for d in cur.description]
                found[tile] = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return found
    finally:
        conn.rollback()
        conn.close()


def _plain(value):
    if isinstance(value, Decimal | float):
        return format(Decimal(str(value)).normalize() + 0, "f")
    return value if value is None or isinstance(value, bool) else str(value)


def tile_numbers(tile: str, rows: list[dict]) -> dict[tuple, tuple[int, str]]:
    """{(keys..., is_fraud): (transactions, volume)} of one tile, in comparable form."""
    keys = (*TILE_KEYS[tile], "is_fraud")
    totals: dict[tuple, tuple[int, Decimal]] = {}
    for row in rows:
        key = tuple(_plain(row[k]) for k in keys)
        count, volume = totals.get(key, (0, Decimal(0)))
        totals[key] = (count + int(row["transactions"]), volume + Decimal(str(row["volume_usd"] or 0)))
    return {key: (count, _plain(volume)) for key, (count, volume) in totals.items()}


def headline_totals(rows: list[dict]) -> tuple[int, Decimal]:
    return (sum(int(r["transactions"]) for r in rows),
            sum((Decimal(str(r["volume_usd"] or 0)) for r in rows), Decimal("0.00")))


def compare(lake: dict[str, list[dict]], postgres: dict[str, list[dict]]) -> dict[str, bool]:
    """Per tile: do the lake and PostgreSQL give the same counts and sums for every group?"""
    return {tile: tile_numbers(tile, lake[tile]) == tile_numbers(tile, postgres[tile]) for tile in statements.TILES}


def report(lake: dict[str, list[dict]], postgres: dict[str, list[dict]]) -> tuple[list[str], bool]:
    """The lines `make lake` prints, and whether everything matched."""
    same = compare(lake, postgres)
    lines = []
    for tile in statements.TILES:
        (lr, lv), (pr, pv) = headline_totals(lake[tile]), headline_totals(postgres[tile])
        lines.append(f"{tile:18} lake: {len(lake[tile]):5} groups, {lr:9,} rows, {lv:15,.2f} USD | postgres: "
                     f"{len(postgres[tile]):5} groups, {pr:9,} rows, {pv:15,.2f} USD | "
                     f"{'same' if same[tile] else 'DIFFERENT'}")
    (rows, volume), (pg_rows, pg_volume) = headline_totals(lake["headline"]), headline_totals(postgres["headline"])
    ok = all(same.values())
    lines.append(f"lake: rows={rows} postgres_rows={pg_rows} volume={volume:.2f} postgres_volume={pg_volume:.2f} "
                 f"match={'yes' if ok else 'no'}")
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.lake", description=__doc__.splitlines()[0],
        epilog="example: make up (in one shell), then: python -m infra.local.lake --state-dir .local")
    parser.add_argument("--state-dir", type=Path, default=Path(".local"), help="the running local stack's folder")
    args = parser.parse_args(argv)
    import boto3

    from infra.local.state import read_stack_file

    stack = read_stack_file(args.state_dir)
    s3 = boto3.client("s3", endpoint_url=stack["aws_endpoint_url"], region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    with tempfile.TemporaryDirectory(prefix="cardstream-lake-") as folder:
        keys = fetch_raw_files(s3, stack["bucket"], "raw-data/", Path(folder))
        lake = LocalLake(Path(folder))
        lake.compact()
        lines, ok = report(lake.tiles(), postgres_tiles(stack["database_url"]))
    print(f"{len(keys)} raw files from s3://{stack['bucket']}/raw-data/ compacted in DuckDB")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

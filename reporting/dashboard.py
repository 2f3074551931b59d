"""The local dashboard: read every tile's reporting view and write one self-contained HTML file.

It reads as the reporting role (`SET ROLE`), which may SELECT on the `reporting` views and nothing else,
so the page can only ever show what QuickSight would. Needs psycopg2 only, not chalicelib.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import psycopg2
from psycopg2 import sql

from reporting.page import build_page
from reporting.tiles import TILES, Tile

REPORTING_ROLE = "cardstream_reporting"  # created by the roles migration in sql/
REPORTING_SCHEMA = "reporting"


def _plain(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def fetch_views(conn, views: list[str], role: str = REPORTING_ROLE) -> tuple[dict[str, list[dict]], dt.datetime]:
    """Rows of each reporting view as dicts (numbers as float), and the database's clock, read as `role`."""
    data: dict[str, list[dict]] = {}
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        for view in views:
            cur.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(REPORTING_SCHEMA, view)))
            names = [column.name for column in cur.description]
            data[view] = [{name: _plain(value) for name, value in zip(names, row, strict=True)}
                          for row in cur.fetchall()]
        cur.execute("SELECT now()")
        now = cur.fetchone()[0]
    return data, now


def write_dashboard(conn, out_path: str, tiles: tuple[Tile, ...] = TILES) -> str:
    """Read the tiles' views on `conn` as the reporting role and write the page; returns its absolute path."""
    data, now = fetch_views(conn, list(dict.fromkeys(tile.view for tile in tiles)))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_page(data, now, tiles), encoding="utf-8")
    return str(out.resolve())


def render_dashboard(dsn: str, out_path: str) -> str:
    """Write the dashboard of the database at `dsn` to `out_path`; returns the file's absolute path."""
    conn = psycopg2.connect(dsn)
    try:
        conn.set_session(readonly=True)
        return write_dashboard(conn, out_path)
    finally:
        conn.rollback()
        conn.close()

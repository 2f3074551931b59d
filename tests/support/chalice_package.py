"""Shared by tests/infra/test_infra_*.py: `chalice package` output per stage (built once per session), a stand-in
PostgreSQL for the deploy rehearsal, and a small IAM policy evaluator."""
from __future__ import annotations

import atexit
import contextlib
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import parse_dsn

from infra.deploy import prepare_vendor
from infra.rehearse import copy_project

REPO = Path(__file__).resolve().parents[2]
# chalice's cache of the dependency zip (wheels from PyPI, keyed by requirements.txt); gitignored
DEPLOYMENTS_CACHE = REPO / ".chalice" / "deployments"
ACCOUNT, REGION = "123456789012", "us-east-1"


@dataclass(frozen=True)
class Package:
    project: Path
    terraform: dict
    zip_names: frozenset[str]
    zip_path: Path

    def resources(self, kind: str) -> dict:
        return self.terraform["resource"].get(kind, {})

    def swagger(self) -> dict:
        return json.loads(self.terraform["locals"]["chalice_api_swagger"])

    def read(self, name: str) -> str:
        with zipfile.ZipFile(self.zip_path) as zf:
            return zf.read(name).decode("utf-8")


def _scratch(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def chalice_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    return env


@cache
def package(stage: str) -> Package:
    """`chalice package --pkg-format terraform --stage <stage>` of a copy of the project, vendored as the
    deploy vendors it (RDS CA bundle stand-in, sql/ migrations)."""
    scratch = _scratch(f"cardstream-package-{stage}-")
    project = copy_project(scratch / "project", DEPLOYMENTS_CACHE)
    ca = scratch / "ca.pem"
    ca.write_text("# stand-in CA bundle\n", encoding="utf-8")
    prepare_vendor(project, ca)
    out = scratch / "out"
    chalice = Path(sys.executable).with_name("chalice")
    done = subprocess.run([str(chalice), "package", "--pkg-format", "terraform", "--stage", stage, str(out)],
                          cwd=project, env=chalice_env(), capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    zip_path = out / "deployment.zip"
    with zipfile.ZipFile(zip_path) as zf:
        names = frozenset(zf.namelist())
    return Package(project, json.loads((out / "chalice.tf.json").read_text()), names, zip_path)


# ---------------------------------------------------------------- a stand-in PostgreSQL for the rehearsal
def _admin_dsn() -> str:
    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2).close()
        return "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    except psycopg2.OperationalError:
        from infra.local.postgres import ensure_postgres

        return ensure_postgres(_scratch("cardstream-rehearsal-pg-"), on_exit="delete", database="postgres")


@contextlib.contextmanager
def stand_in_database(master_user: str = "cardstream_admin"):
    """A fresh database owned by `master_user` (LOGIN CREATEROLE, like RDS's master), as
    ({host, port, dbname} for the DB secrets, a superuser DSN of that database for checking)."""
    admin_dsn = _admin_dsn()
    name = f"cardstream_rehearsal_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (master_user,))
            if cur.fetchone() is None:
                with contextlib.suppress(psycopg2.errors.DuplicateObject):
                    cur.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(master_user)))
            cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name),
                                                                      sql.Identifier(master_user)))
        parts = parse_dsn(admin_dsn)
        target = {"host": parts.get("host", "127.0.0.1"), "port": int(parts.get("port", 5432)), "dbname": name}
        yield target, psycopg2.extensions.make_dsn(admin_dsn, dbname=name)
    finally:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.close()


# ---------------------------------------------------------------- IAM: what a policy document allows
def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern.replace("${aws:PrincipalAccount}", ACCOUNT))


def allowed_by(policy: dict, action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    """Whether an Allow statement (no Deny exists in ours) covers the action on the resource. Conditions
    supported: StringLike / StringEquals on keys given in `context` (e.g. s3:prefix)."""
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow" and "NotAction" not in st and "NotResource" not in st
        if not any(_matches(a, action) for a in _listed(st["Action"])):
            continue
        if not any(_matches(r, resource) for r in _listed(st["Resource"])):
            continue
        if all(_matches(_listed(want)[0], (context or {}).get(key, "\0"))
               for op in st.get("Condition", {}).values() for key, want in op.items()):
            return True
    return False


def granted(policy: dict) -> set[tuple[str, str]]:
    """Every (action, resource pattern) pair the policy allows, as written."""
    return {(a, r) for st in policy["Statement"] for a in _listed(st["Action"]) for r in _listed(st["Resource"])}

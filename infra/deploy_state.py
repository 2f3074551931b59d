"""Chalice's deployed state, shared through S3, and one deploy of a stage at a time.

Chalice records what it deployed in `.chalice/deployed/<stage>.json` and, without it, makes everything anew
(a second REST API with a new URL, then a ResourceConflictException on the Kinesis mapping). So the file lives
in the account's deploy-state bucket (infra/account.yaml: versioned, encrypted, TLS-only) and every deploy or
destroy, from any checkout or CI:

1. takes the stage's lock, `<stage>/deploy.lock`, with an S3 conditional write (If-None-Match: *): exactly one
   writer wins, the others stop at once with who holds it and since when;
2. replaces the local file with the bucket's copy (or removes it when the bucket's is empty, after a destroy);
3. runs chalice, then writes the file back (an empty state when chalice left none);
4. releases the lock, also when a step failed.
"""
from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from botocore.exceptions import ClientError

LOCK_NAME = "deploy.lock"
STATE_NAME = "deployed.json"
EMPTY_STATE = b'{"resources": []}\n'  # a destroyed stage: a checkout's older local state must not come back


class DeployLocked(RuntimeError):
    """Another deploy or destroy of the stage holds the lock."""


class NoStateBucket(RuntimeError):
    """The account set-up (infra/account.yaml) has not been run in this account and region."""


def bucket_name(account: str, region: str) -> str:
    return f"cardstream-deploy-state-{account}-{region}"


def _local(project_dir: Path, stage: str) -> Path:
    return project_dir / ".chalice" / "deployed" / f"{stage}.json"


def who() -> str:
    """Who is deploying, for the lock's message: the CI run, or user@host."""
    run = os.environ.get("GITHUB_RUN_ID")
    if run:
        return f"GitHub Actions run {run} ({os.environ.get('GITHUB_REPOSITORY', '?')})"
    return f"{getpass.getuser()}@{socket.gethostname()}"


def check_bucket(s3, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        raise NoStateBucket(
            f"no deploy-state bucket {bucket}: run the account set-up once, "
            "`make account-setup GITHUB_REPO=owner/name` (docs/deploy.md)") from exc


def acquire(s3, bucket: str, stage: str, owner: str, now: float | None = None) -> None:
    body = json.dumps({"owner": owner, "since": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                               time.gmtime(time.time() if now is None else now))})
    try:
        s3.put_object(Bucket=bucket, Key=f"{stage}/{LOCK_NAME}", Body=body.encode(), IfNoneMatch="*")
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise
        raise DeployLocked(f"{stage} is being deployed by {_holder(s3, bucket, stage)}; wait for it. If that "
                           f"run died, remove the lock: python -m infra.deploy unlock --stage {stage}") from None


def _holder(s3, bucket: str, stage: str) -> str:
    try:
        held = json.loads(s3.get_object(Bucket=bucket, Key=f"{stage}/{LOCK_NAME}")["Body"].read())
        return f"{held.get('owner')} since {held.get('since')}"
    except (ClientError, ValueError):
        return "someone (the lock just changed hands)"


def release(s3, bucket: str, stage: str) -> None:
    s3.delete_object(Bucket=bucket, Key=f"{stage}/{LOCK_NAME}")


def pull(s3, bucket: str, stage: str, project_dir: Path) -> str:
    """The bucket's state over the local file; what happened.

    An empty state in the bucket (what a destroy leaves) removes the local file, so a checkout that deployed
    before someone else destroyed starts afresh. No state in the bucket at all means the stage was never
    deployed through it: the local file, if any, is kept, so the first shared deploy of a stage deployed from
    a laptop before updates that deployment instead of making a second one."""
    local = _local(project_dir, stage)
    try:
        body = s3.get_object(Bucket=bucket, Key=f"{stage}/{STATE_NAME}")["Body"].read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
            raise
        return "kept the local state (none in the bucket yet)" if local.exists() else "none yet"
    if not json.loads(body).get("resources"):
        local.unlink(missing_ok=True)
        return "empty (destroyed): starting afresh"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(body)
    return "pulled"


def push(s3, bucket: str, stage: str, project_dir: Path) -> bool:
    """The local state into the bucket, or an empty one when chalice left none; whether it held resources."""
    local = _local(project_dir, stage)
    body = local.read_bytes() if local.exists() else EMPTY_STATE
    s3.put_object(Bucket=bucket, Key=f"{stage}/{STATE_NAME}", Body=body, ContentType="application/json")
    return bool(json.loads(body).get("resources"))


@contextlib.contextmanager
def shared_state(s3, bucket: str, stage: str, project_dir: Path, owner: str,
                 say: Callable[[str], None] = print) -> Iterator[None]:
    """Locked, with the bucket's state pulled on entry and pushed back on exit (success or not)."""
    acquire(s3, bucket, stage, owner)
    try:
        say(f"    deploy state: {pull(s3, bucket, stage, project_dir)}")
        try:
            yield
        finally:
            push(s3, bucket, stage, project_dir)
    finally:
        release(s3, bucket, stage)

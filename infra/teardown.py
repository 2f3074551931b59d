"""`make destroy STAGE=...`: remove the app and the stack; keep the data unless told.

Kept by default: the landing and access-log buckets, the card-token key (stored card_tokens only join up
under it) and a final snapshot of the database. The next deploy adopts the kept buckets and key by name.
`--delete-data` removes those too (the database without a final snapshot).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from infra import stack
from infra.chalice_cli import run_chalice


def _delete_app(project_dir: Path, stage: str, say: Callable[[str], None]) -> None:
    if not (project_dir / ".chalice" / "deployed" / f"{stage}.json").exists():
        say(f"no .chalice/deployed/{stage}.json: no Chalice app to delete")
        return
    run_chalice(project_dir, "delete", "--stage", stage)


def _database(rds, stage: str) -> dict | None:
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=f"cardstream-{stage}")["DBInstances"][0]
    except ClientError:
        return None


def _release_database(rds, stage: str, delete_data: bool, force: bool, say: Callable[[str], None]) -> None:
    db = _database(rds, stage)
    if db is None:
        return
    if db.get("DeletionProtection"):
        if not force:
            raise SystemExit(f"cardstream-{stage} has deletion protection: rerun with --force (FORCE=1) to remove it")
        rds.modify_db_instance(DBInstanceIdentifier=db["DBInstanceIdentifier"], DeletionProtection=False,
                               ApplyImmediately=True)
    if delete_data:  # otherwise the stack's DeletionPolicy takes a final snapshot
        say("deleting the database without a final snapshot (--delete-data)")
        rds.delete_db_instance(DBInstanceIdentifier=db["DBInstanceIdentifier"], SkipFinalSnapshot=True,
                               DeleteAutomatedBackups=True)
        rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier=db["DBInstanceIdentifier"])


def _empty_and_delete_bucket(s3, bucket: str) -> None:
    try:
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        for page in pages:
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)
    except s3.exceptions.NoSuchBucket:
        return


def _force_delete_secret(sm, name: str) -> None:
    # Frees the name at once, so the next deploy can create it again.
    try:
        sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    except sm.exceptions.ResourceNotFoundException:
        return


def destroy(stage: str, project_dir: Path, delete_data: bool, force: bool, say: Callable[[str], None]) -> list[str]:
    """Tear the stage down; returns what was kept."""
    account = boto3.client("sts").get_caller_identity()["Account"]
    s3, sm = boto3.client("s3"), boto3.client("secretsmanager")
    say(f"1/3 chalice delete --stage {stage}")
    _delete_app(project_dir, stage, say)
    say(f"2/3 stack {stack.stack_name(stage)}: delete")
    _release_database(boto3.client("rds"), stage, delete_data, force, say)
    stack.delete_stack(boto3.client("cloudformation"), stage)
    _force_delete_secret(sm, f"cardstream/{stage}/api-tokens")  # RDS deletes the master secret it manages
    buckets = [f"cardstream-{stage}-landing-{account}", f"cardstream-{stage}-access-logs-{account}"]
    if delete_data:
        say("3/3 deleting the kept data (--delete-data)")
        for bucket in buckets:
            _empty_and_delete_bucket(s3, bucket)
        _force_delete_secret(sm, f"cardstream/{stage}/card-key")
        return []
    kept = [f"s3://{b}" for b in buckets] + [f"secret cardstream/{stage}/card-key",
                                             f"final DB snapshot of cardstream-{stage}"]
    say("3/3 kept: " + ", ".join(kept))
    return kept

"""`python -m tests.support.loader_child BUCKET KEY`: load one object, then stop inside the load's transaction.

The kill test runs this as a separate process and SIGKILLs it there: after the staging COPY, the checks,
the upserts and the facts, before the ledger is finished and the transaction commits. It reads S3 at
AWS_ENDPOINT_URL and PostgreSQL at DATABASE_URL, as the Lambda function would.
"""
import sys
import time

from tests.support.rawfiles import make_loader

PAUSED = "paused inside the load's transaction"


def _pause(cur, context) -> None:
    cur.execute("SELECT pg_backend_pid(), (SELECT count(*) FROM stage)")
    backend_pid, staged = cur.fetchone()
    print(f"{PAUSED} backend_pid={backend_pid} staged={staged} file_id={context.file_id}", flush=True)
    time.sleep(300)  # the test kills this process long before


if __name__ == "__main__":
    make_loader(hooks=[_pause]).load_object(sys.argv[1], sys.argv[2])
    sys.exit("the load finished: the test should have killed this process first")

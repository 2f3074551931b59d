"""Rehearse `make deploy` / `make destroy` against moto in server mode, offline; report what the APIs say.

    python -m infra.rehearse [--workdir DIR]      (prints the report as JSON)

Two copies of the project (two checkouts: a laptop and CI, say) deploy one stage with the real
`infra/deploy.py` (as a subprocess, AWS_ENDPOINT_URL set), after the account set-up (infra/account_setup.py):
checkout A creates; checkout B updates (the same API, through the shared deploy state); B destroys (data
kept); A deploys again (the kept data adopted). After each round the report records what the AWS APIs
answer. moto's gaps are patched in infra/moto_fixes.py.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from infra import moto_cfn, moto_fixes
from infra.rehearsal_facts import collect_facts, lake_facts

REPO = Path(__file__).resolve().parent.parent
STAGE = "dev"
ACCOUNT = "123456789012"  # moto's default account
PROJECT_FILES = ("app.py", "requirements.txt")
PROJECT_DIRS = ("chalicelib", "sql")


def copy_project(target: Path, deployments_cache: Path | None) -> Path:
    """The app, its config and policies, without deploy state; `.chalice/deployments` shared as a cache."""
    (target / ".chalice").mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(REPO / name, target / name)
    for name in PROJECT_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for policy in (REPO / ".chalice").glob("*.json"):
        shutil.copy2(policy, target / ".chalice" / policy.name)
    if deployments_cache is not None:  # chalice caches the dependency zip here (wheels from PyPI)
        deployments_cache.mkdir(parents=True, exist_ok=True)
        (target / ".chalice" / "deployments").symlink_to(deployments_cache, target_is_directory=True)
    return target


def _env(endpoint_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint_url, AWS_ACCESS_KEY_ID="rehearsal", AWS_SECRET_ACCESS_KEY="rehearsal",
               AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", PYTHONUNBUFFERED="1")
    return env


GITHUB_REPO = "example/cardstream"


TAIL_CHARS = 20_000  # the whole of a deploy's own lines (the stack's resources make the output long)


def _run(args: list[str], env: dict[str, str], log: Path, module: str = "infra.deploy") -> dict[str, Any]:
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env,
                              stdout=out, stderr=subprocess.STDOUT, timeout=600, check=False)
    text = log.read_text(encoding="utf-8")
    return {"args": args, "exit_code": done.returncode, "log": str(log), "tail": text[-TAIL_CHARS:],
            "seconds": round(time.perf_counter() - started, 1)}


def rehearse(workdir: Path, deployments_cache: Path | None = None, database: dict | None = None) -> dict[str, Any]:
    """The account set-up, then four rounds from two checkouts against a fresh moto; `database` (host, port,
    dbname) stands in for RDS in the DB secret."""
    checkouts = {name: copy_project(workdir / f"checkout-{name}", deployments_cache) for name in ("a", "b")}
    ca_bundle = workdir / "stand-in-ca.pem"
    ca_bundle.write_text("# the rehearsal needs no real RDS CA bundle\n", encoding="utf-8")
    moto_cfn.DATABASE_STAND_IN.clear()
    moto_cfn.DATABASE_STAND_IN.update(database or {})

    def deploy_args(checkout: str) -> list[str]:
        return ["deploy", "--stage", STAGE, "--project-dir", str(checkouts[checkout]), "--ca-bundle", str(ca_bundle),
                "--migrate", "local" if database else "skip", "--migrate-env", "DB_SSLMODE=disable"]

    plan = (("create", "a", deploy_args("a")), ("update", "b", deploy_args("b")),
            ("destroy", "b", ["destroy", "--stage", STAGE, "--project-dir", str(checkouts["b"])]),
            ("redeploy", "a", deploy_args("a")))
    rounds: dict[str, Any] = {}
    with warnings.catch_warnings(), moto_fixes.RehearsalServer() as server:
        # moto says which template resource types it skips (alarms, policies): cfn-lint checks those
        warnings.filterwarnings("ignore", message=r"Tried to parse AWS::")
        warnings.filterwarnings("ignore", message=r"Exception\(DependencyViolationError\)")
        env = _env(server.endpoint_url)
        account = _run(["--github-repo", GITHUB_REPO], env, workdir / "account.log", "infra.account_setup")
        if account["exit_code"] != 0:
            return {"project": str(checkouts["a"]), "checkouts": {k: str(v) for k, v in checkouts.items()},
                    "account": account, "rounds": {}}
        for name, checkout, args in plan:
            run = _run(args, env, workdir / f"{name}.log")
            run["checkout"] = checkout
            run["facts"] = collect_facts(server.endpoint_url, STAGE, ACCOUNT)
            run["facts"]["lake"] = lake_facts(ACCOUNT, "us-east-1", f"cardstream_{STAGE}", f"cardstream-{STAGE}-lake")
            run["config"] = json.loads((checkouts[checkout] / ".chalice" / "config.json").read_text(encoding="utf-8"))
            rounds[name] = run
            if run["exit_code"] != 0:
                break
    return {"project": str(checkouts["a"]), "checkouts": {k: str(v) for k, v in checkouts.items()},
            "account": account, "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep the copy and logs here (default: a temp dir)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cardstream-rehearsal-"))
    report = rehearse(workdir, REPO / ".chalice" / "deployments")
    (workdir / "report.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    for name, run in report["rounds"].items():
        facts = run["facts"]
        print(f"{name:9} exit {run['exit_code']}  {run['seconds']:5.1f} s  functions={len(facts['functions'])} "
              f"stack={(facts['stack'] or {}).get('status')}  log: {run['log']}")
    print(f"full report (what each AWS API answered after each round): {workdir / 'report.json'}")
    ok = report["account"]["exit_code"] == 0 and len(report["rounds"]) == 4
    return 0 if ok and all(r["exit_code"] == 0 for r in report["rounds"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

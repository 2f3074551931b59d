"""Every `python -m` entry point answers --help with an example, and the ones that need a database say so
plainly when they are given none."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    ("client",), ("client", "generate"), ("client", "replay"), ("reporting",), ("tools.evaluate",),
    ("infra.local",), ("infra.local", "up"), ("infra.local", "demo"), ("infra.local", "dashboard"),
    ("infra.local", "evaluate"), ("chalicelib.platform.migrate",), ("chalicelib.platform.dbsetup",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command):
    module, *sub = command
    done = subprocess.run([sys.executable, "-m", module, *sub, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "example" in done.stdout and f"python -m {module}" in done.stdout, done.stdout


def test_the_evaluation_without_a_server_exits_2_and_says_how_to_get_one(tmp_path, capsys):
    from tests.support.env import stage_env
    from tools.evaluate.__main__ import main

    with stage_env(DATABASE_URL=""):
        assert main([str(tmp_path / "labelled.csv")]) == 2
    assert "make evaluate FILE=" in capsys.readouterr().err


def test_the_dashboard_needs_a_database_url():
    from reporting.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--out", "x.html"])
    assert exited.value.code == 2

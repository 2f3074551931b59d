"""Running the Chalice CLI of this interpreter's environment on the project."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def chalice_command(*args: str) -> list[str]:
    local = Path(sys.executable).with_name("chalice")
    return [str(local) if local.exists() else (shutil.which("chalice") or "chalice"), *args]


def run_chalice(project_dir: Path, *args: str) -> None:
    """`chalice <args>` in the project; its own output goes to ours; raises if it fails."""
    subprocess.run(chalice_command(*args), cwd=project_dir, check=True)

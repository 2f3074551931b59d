"""`make rules`: every generated form of the table (fields.py), written or checked.

The generated files are committed; tests/unit/test_dictionary.py fails when one differs from what the table
generates now, so a rule cannot be changed in one form alone.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chalicelib.dictionary import apigen, pygen, sqlgen

ROOT = Path(__file__).resolve().parents[2]
PATTERNS_PY = ROOT / "chalicelib" / "dictionary" / "patterns.py"
RULES_SQL = ROOT / "sql" / "R__rules.sql"


def outputs() -> dict[Path, Callable[[str], str]]:
    """Each generated file -> its text as the table makes it, given the file's current text."""
    return {PATTERNS_PY: lambda _: pygen.render(), RULES_SQL: lambda _: sqlgen.render(),
            apigen.SPEC_YAML: apigen.render}


def stale() -> list[Path]:
    """The generated files that differ from what the table generates now."""
    return [path for path, make in outputs().items()
            if not path.exists() or path.read_text(encoding="utf-8") != make(_current(path))]


def write() -> list[Path]:
    """Regenerate every file; the ones that changed."""
    changed = []
    for path, make in outputs().items():
        current = _current(path)
        text = make(current)
        if text != current:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def _current(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""

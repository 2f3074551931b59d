"""load/steps.py names every temporary table passed between SQL steps, and who writes and reads each."""
import re
from pathlib import Path

import chalicelib
from chalicelib.load import steps

CHALICELIB = Path(chalicelib.__file__).resolve().parent
_WRITE = r"(?:CREATE\s+TEMP(?:ORARY)?\s+TABLE|UPDATE|INSERT\s+INTO|COPY|DELETE\s+FROM|TRUNCATE)\s+{}\b"
_READ = r"(?:FROM|JOIN)\s+{}\b"


def _step_name(path: Path) -> str:
    stage = path.relative_to(CHALICELIB).parts[0]
    return f"{stage}/{path.name}" if path.suffix == ".py" else f"{stage}/{path.stem}.sql"


def _code(path: Path) -> str:
    comment = r"--[^\n]*" if path.suffix == ".sql" else r"#[^\n]*"
    return re.sub(comment, "", path.read_text(encoding="utf-8"))


def _used(pattern: str, table: str) -> set[str]:
    found = set()
    for path in sorted(CHALICELIB.rglob("*")):
        if path.suffix not in (".sql", ".py") or path.parent == CHALICELIB or path.name == "steps.py":
            continue
        if re.search(pattern.format(re.escape(table)), _code(path), re.IGNORECASE):
            found.add(_step_name(path))
    return found


def test_every_temp_table_a_step_creates_is_described_in_steps():
    created = set()
    for path in CHALICELIB.rglob("*"):
        if path.suffix in (".sql", ".py"):
            created |= set(re.findall(r"CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(\w+)", _code(path), re.IGNORECASE))
    assert created == {table.name for table in steps.TEMP_TABLES}


def test_each_temp_table_is_written_by_exactly_the_steps_it_names():
    for table in steps.TEMP_TABLES:
        assert _used(_WRITE, table.name) == set(table.written_by), table.name


def test_each_temp_table_is_read_by_exactly_the_steps_it_names():
    for table in steps.TEMP_TABLES:
        assert _used(_READ, table.name) == set(table.read_by), table.name


def test_the_steps_a_table_names_exist():
    for table in steps.TEMP_TABLES:
        for step in table.written_by + table.read_by:
            stage, name = step.split("/")
            where = CHALICELIB / stage / (name if name.endswith(".py") else f"sql/{name}")
            assert where.is_file(), step

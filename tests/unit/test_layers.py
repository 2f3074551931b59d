"""The packages depend downward, never in a circle: read from the code's own import statements (ast)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("ingest", "stream", "load", "fraud", "read")
FIRST_PARTY = ("app", "chalicelib", "client", "reporting", "tools", "infra", "bench", "tests")
PROGRAMS = ("client", "reporting", "tools")  # run by infra/ as child processes, handed endpoints and DSNs


def _imports(path: Path) -> set[str]:
    """Every module an import statement in the file names (relative imports resolved are not used here)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _top(module: str) -> str:
    return module.split(".")[0]


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _part(module: str) -> str | None:
    """The chalicelib part a module belongs to: a stage folder, platform, or a top-level module."""
    parts = module.split(".")
    if parts[0] != "chalicelib" or len(parts) == 1:
        return None
    return parts[1]


def _chalicelib_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "chalicelib").rglob("*.py"):
        here = _part(".".join(path.relative_to(ROOT).with_suffix("").parts)) or "chalicelib"
        if here == "__init__":
            continue
        uses = {_part(m) for m in _imports(path)} - {None, here, "__version__"}
        graph.setdefault(here, set()).update(uses)
    return graph


def test_chalicelib_imports_nothing_of_the_repository_outside_itself():
    for path in (ROOT / "chalicelib").rglob("*.py"):
        outside = {m for m in _imports(path) if m.split(".")[0] in FIRST_PARTY and m.split(".")[0] != "chalicelib"}
        assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)}"


def test_platform_depends_on_nothing_above_it():
    assert _chalicelib_graph()["platform"] == set()


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_never_imports_the_composition_root(stage):
    assert "runtime" not in _chalicelib_graph()[stage]


def _assert_acyclic(graph: dict[str, set[str]]) -> None:
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, "import cycle: " + " -> ".join((*path, node))
        if node in done:
            return
        for used in sorted(graph.get(node, ())):
            visit(used, (*path, node))
        done.add(node)

    for node in sorted(graph):
        visit(node, ())


def test_the_chalicelib_parts_import_each_other_without_a_cycle():
    _assert_acyclic(_chalicelib_graph())


def test_the_top_level_packages_import_each_other_without_a_cycle():
    graph: dict[str, set[str]] = {}
    for package in ("app", "chalicelib", "client", "reporting", "tools", "infra", "bench"):
        files = [ROOT / "app.py"] if package == "app" else _files(package)
        graph[package] = {_top(m) for path in files for m in _imports(path)} & set(FIRST_PARTY) - {package, "tests"}
    _assert_acyclic(graph)


@pytest.mark.parametrize("program", PROGRAMS)
def test_the_client_the_dashboard_and_the_tools_never_import_infra(program):
    for path in _files(program):
        assert not {m for m in _imports(path) if _top(m) == "infra"}, f"{path.relative_to(ROOT)} imports infra"


def test_infra_never_imports_the_client_the_dashboard_or_the_tools():
    for path in _files("infra"):
        found = sorted(m for m in _imports(path) if _top(m) in PROGRAMS)
        assert not found, f"{path.relative_to(ROOT)} imports {found}: run it as `python -m` and pass it a DSN"


def test_no_test_module_imports_another_test_module():
    for path in _files("tests"):
        found = sorted(m for m in _imports(path) if m.split(".")[-1].startswith("test_") or ".test_" in m)
        assert not found, f"{path.relative_to(ROOT)} imports {found}: shared helpers belong in tests/support"


def test_the_import_reader_sees_an_import_of_infra_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from infra.local.postgres import ensure_postgres\n    import infra.deploy\n")
    assert {"infra.local.postgres", "infra.deploy"} <= _imports(sample)


def test_the_cycle_check_names_a_cycle():
    with pytest.raises(AssertionError, match="import cycle: fraud -> load -> fraud"):
        _assert_acyclic({"load": {"fraud"}, "fraud": {"load", "platform"}, "platform": set()})

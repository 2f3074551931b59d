"""Every install path takes the locks (requirements*.txt: exact versions with hashes), and the locks still
satisfy the ranges they were compiled from (requirements*.in). No network: the files are read as text."""
import re
from pathlib import Path

from packaging.requirements import Requirement

from infra.lockdiff import read_pins

ROOT = Path(__file__).resolve().parents[2]


def _requirements_in(path: Path) -> list[Requirement]:
    reqs = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            reqs += _requirements_in(path.parent / line[3:].strip())
        else:
            reqs.append(Requirement(line))
    return reqs


def _lock_entries(path: Path) -> list[str]:
    """The lock's requirement entries, each with its continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_locked_package_is_pinned_exactly_and_carries_hashes():
    for lock in ("requirements.txt", "requirements-dev.txt", "requirements-checkov.txt"):
        entries = _lock_entries(ROOT / lock)
        assert entries, lock
        for entry in entries:
            assert re.match(r"^[A-Za-z0-9][A-Za-z0-9._\[\],-]*==\S+", entry), (lock, entry)
            assert "--hash=sha256:" in entry, (lock, entry)


def test_the_locks_satisfy_the_ranges_they_were_compiled_from():
    for source, lock in (("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt"),
                         ("requirements-checkov.in", "requirements-checkov.txt")):
        pins = read_pins((ROOT / lock).read_text())
        for req in _requirements_in(ROOT / source):
            version = pins.get(_norm(req.name))
            assert version is not None, f"{req.name} is in {source} but not in {lock}: run make lock"
            assert req.specifier.contains(version, prereleases=True), f"{lock} has {req.name} {version}, " \
                f"outside {source}'s {req.specifier}: run make lock"


def test_the_dev_lock_holds_the_runtime_lock_versions():
    runtime = read_pins((ROOT / "requirements.txt").read_text())
    dev = read_pins((ROOT / "requirements-dev.txt").read_text())
    assert runtime and {name: dev.get(name) for name in runtime} == runtime


def test_the_makefile_installs_only_from_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line.strip() for line in makefile.splitlines() if re.search(r"\bpip\b.*\binstall\b", line)]
    assert installs, "the Makefile builds the venv with pip install"
    for line in installs:
        assert "--require-hashes" in line and "--no-deps" in line, line
        assert re.search(r"-r requirements(-dev|-checkov)?\.txt\b", line), line
        named = re.search(r"\binstall\b.*\s(?!-)[A-Za-z][\w.-]*[<>=]", line)
        assert not named, f"a package named outside the lock: {line}"


def test_ci_and_scripts_never_install_python_packages_themselves():
    """.ci/run goes through make; no script, module or workflow of ours calls pip or uv to install."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    offenders = []
    for path in [ROOT / ".ci" / "run", *ROOT.glob("**/*.py"), *ROOT.glob("**/*.sh"), *ROOT.glob(".github/**/*.yml")]:
        if any(part.startswith(".venv") for part in path.parts) or path == Path(__file__).resolve():
            continue
        text = path.read_text(errors="replace")
        if re.search(r"pip\"?,?\s*\"?install|uv\"?,?\s*\"?pip\"?,?\s*\"?(install|sync)|pip3? install", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_chalice_bundles_the_runtime_lock():
    """`chalice deploy`/`package` reads requirements.txt from the project: it must be the hashed runtime lock,
    resolved for the Lambda runtime, and name nothing the runtime ranges do not bring."""
    header = (ROOT / "requirements.txt").read_text().splitlines()[:3]
    assert any("make lock" in line for line in header)
    makefile = (ROOT / "Makefile").read_text()
    lock_line = next(line for line in makefile.splitlines() if "requirements.in -o requirements.txt" in line)
    assert "--python-platform x86_64-manylinux" in lock_line and "--generate-hashes" in makefile
    assert "--python-version 3.11" in makefile  # the Lambda runtime in .chalice/config.json's deploys
    deploy = (ROOT / "infra" / "deploy.py").read_text()
    assert '"deploy", "--stage"' in deploy and "requirements" not in deploy  # no other list of packages

"""The layering of README.md ("How the code is layered") holds, and its checks can fail.

The contracts are import-linter's (`[tool.importlinter]` in pyproject.toml); `make test`
runs `lint-imports` and `scripts/import_cycles.py` too. Both count the imports inside
functions, so an import moved into a function to dodge a cycle is still found. Each runs
in its own process, in the project or in a copy of it that a test breaks on purpose.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("herocon_registry", "customers", "consents", "privacy")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def import_cycles(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "import_cycles.py")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The project's packages and contracts, copied so a test can break them."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_no_module_is_part_of_an_import_cycle():
    result = import_cycles(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 import cycles")


def test_the_register_importing_the_portal_breaks_the_layers(project_copy):
    add_line(project_copy / "customers" / "validators.py", "from privacy.portal import views")

    result = lint_imports(project_copy)

    assert result.returncode == 1
    assert "One direction of dependencies" in result.stdout
    assert "BROKEN" in result.stdout
    assert "customers.validators -> privacy.portal.views" in result.stdout


def test_an_upward_import_hidden_in_a_function_still_breaks_the_layers(project_copy):
    add_line(
        project_copy / "privacy" / "audit.py",
        "def _late():\n    from privacy.services.erasure import customer_erase\n\n"
        "    return customer_erase",
    )

    result = lint_imports(project_copy)

    assert result.returncode == 1
    assert "privacy.audit -> privacy.services.erasure" in result.stdout


def test_the_consent_ledger_importing_the_register_models_breaks_the_layers(project_copy):
    # The cycle issue 9 removed: the ledger's models know the register only by name.
    add_line(project_copy / "consents" / "models.py", "from customers.models import Customer")

    result = lint_imports(project_copy)

    assert result.returncode == 1
    assert "consents.models -> customers.models" in result.stdout


def test_two_modules_importing_each_other_are_reported_as_a_cycle(project_copy):
    (project_copy / "customers" / "cycle_a.py").write_text("from customers import cycle_b\n")
    (project_copy / "customers" / "cycle_b.py").write_text(
        "def f():\n    from customers import cycle_a\n\n    return cycle_a\n"
    )

    cycles = import_cycles(project_copy)
    assert cycles.returncode == 1
    assert "import cycle: customers.cycle_a <-> customers.cycle_b" in cycles.stdout
    assert cycles.stdout.strip().endswith("1 import cycles")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "No import cycle between the modules of an app" in result.stdout

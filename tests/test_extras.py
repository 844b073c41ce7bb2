"""Importing segmentkit never imports an extra: each optional package is
loaded only by the feature that needs it (the command line included)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

EXTRAS = (
    "hypothesis", "sqlglot", "duckdb", "psycopg", "pyspark", "matplotlib", "pygments",
    "mkdocs", "jsonschema", "pyarrow", "pandas", "polars", "numpy",
    "tqdm",
)


def _imported(script: str) -> list[str]:
    code = (
        f"import json, sys\n{script}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(EXTRAS)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.slow
def test_the_library_and_its_command_line_import_no_extra() -> None:
    script = (
        "import segmentkit, segmentkit.cli\n"
        "from segmentkit.cli import main\n"
        "main(['check', 'EmailOpened at least 2 times in last 30 days'])\n"
        "main(['query', 'EmailOpened', '--sample', '--count'])\n"
    )
    assert _imported(script) == []


@pytest.mark.slow
def test_the_sql_package_imports_only_its_own_extra() -> None:
    assert _imported("import segmentkit.sql") == ["sqlglot"]

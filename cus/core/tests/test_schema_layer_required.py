"""``CUS_REQUIRE_SCHEMATHESIS=1`` makes the schema layer fail, never skip, when schemathesis cannot be imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LAYER = "cus/core/tests/test_openapi_schemathesis.py"


def _run_layer(tmp_path: Path, required: str) -> subprocess.CompletedProcess[str]:
    broken = tmp_path / "shadow" / "schemathesis"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('schemathesis is broken in this test')\n")
    env = {**os.environ, "PYTHONPATH": str(broken.parent), "CUS_REQUIRE_SCHEMATHESIS": required}
    return subprocess.run(  # noqa: S603 (a fixed command line)
        [
            sys.executable,
            "-m",
            "pytest",
            LAYER,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:schemathesis",
            "-k",
            "documents",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(("required", "fails"), [("1", True), ("", False)], ids=["required", "optional"])
def test_the_schema_layer_fails_when_required_and_schemathesis_is_missing(
    tmp_path: Path, required: str, fails: bool
) -> None:
    result = _run_layer(tmp_path, required)
    output = result.stdout + result.stderr
    if fails:
        assert result.returncode != 0, output
        assert "CUS_REQUIRE_SCHEMATHESIS=1" in output
        assert "skipped" not in output.splitlines()[-1]
    else:
        # Without the requirement the module is skipped (exit 5: no test ran), as on a machine without dev tools.
        assert result.returncode in (0, 5), output
        assert "1 skipped" in output.splitlines()[-1]

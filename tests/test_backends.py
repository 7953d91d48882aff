"""The worked examples under ``backends/`` build as packages and pass their own tests.

Each example is copied to a temporary directory (so the build leaves nothing in the repository), installed
with pip into a temporary target directory (offline: ``--no-deps --no-build-isolation``; the venv is not
modified), and its tests run by pytest in a subprocess that sees the installed package, entry points
included, through ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BACKENDS = Path(__file__).resolve().parent.parent / "backends"
EXAMPLES = sorted(p.name for p in BACKENDS.iterdir() if (p / "pyproject.toml").is_file())


@pytest.mark.parametrize("example", EXAMPLES)
def test_backends_example_installs_and_passes_its_tests(example: str, tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(BACKENDS / example, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    install = subprocess.run([*pip, "--target", str(target), str(source)], check=False, capture_output=True, text=True)
    assert install.returncode == 0, f"pip install of {example} failed:\n{install.stdout}\n{install.stderr}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))}
    tests = BACKENDS / example / "tests"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=BACKENDS.parent,
    )
    assert run.returncode == 0, f"tests of {example} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"


def test_backends_has_plugin_and_custom_backend_examples() -> None:
    assert {"shape_matcher", "custom_backend"} <= set(EXAMPLES)

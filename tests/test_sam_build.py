"""What `sam build` runs: the Makefile's build-SpineCoachFunction target, called the way SAM calls it.

SAM (BuildMethod: makefile) runs ``make --makefile <project>/Makefile build-SpineCoachFunction`` with ARTIFACTS_DIR
set, from a temporary copy of the project (or, with ``--build-in-source``, from the project itself). SAM is not
installed here, so these tests make the same call; what SAM itself copies is documented in the README.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = "build-SpineCoachFunction"


def sam_make(makefile: Path, cwd: Path, artifacts: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "PYTHON"))}
    return subprocess.run(["make", "--no-print-directory", "--makefile", str(makefile), TARGET,
                           f"ARTIFACTS_DIR={artifacts}", *extra], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def test_a_fresh_clone_without_a_venv_gets_a_hint_not_a_shell_error(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy2(ROOT / "Makefile", clone / "Makefile")  # a clone before `make setup`: no .venv
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = sam_make(clone / "Makefile", scratch, tmp_path / "artifacts")
    assert done.returncode == 2
    assert f"{clone}/.venv/bin/python not found" in done.stderr
    assert "make setup" in done.stderr
    assert not re.search(r"sh: \d+: .*: not found", done.stderr)  # the shell's bare complaint, as before
    assert not (tmp_path / "artifacts").exists()


def test_building_from_sams_copy_says_how_to_skip_the_copy(tmp_path: Path) -> None:
    missing = "PYTHON=.venv/bin/no-such-python"  # stop right after the note: no package build needed here
    from_copy = sam_make(ROOT / "Makefile", tmp_path, tmp_path / "artifacts", missing)
    assert "sam build --build-in-source" in from_copy.stderr and "copied the whole project" in from_copy.stderr
    in_source = sam_make(ROOT / "Makefile", ROOT, tmp_path / "artifacts", missing)
    assert "copied the whole project" not in in_source.stderr
    assert in_source.returncode == from_copy.returncode == 2


def test_artifacts_dir_gets_exactly_the_package(tmp_path: Path) -> None:
    """Run from a scratch folder, as sam build does: the real tree is used and only the package is delivered."""
    artifacts = tmp_path / "artifacts"
    done = sam_make(ROOT / "Makefile", tmp_path, artifacts)
    assert done.returncode == 0, done.stderr
    delivered = sorted(p.relative_to(artifacts).as_posix() for p in artifacts.rglob("*") if p.is_file())
    with zipfile.ZipFile(ROOT / "build" / "spine-coach-lambda.zip") as archive:
        assert delivered == sorted(archive.namelist())
    tops = {name.split("/", 1)[0] for name in delivered}
    assert not {".venv", "build", "tests", "interaction_models", "README.md", "Makefile"} & tops
    assert sorted(tmp_path.iterdir()) == [artifacts]  # nothing was built in SAM's scratch folder

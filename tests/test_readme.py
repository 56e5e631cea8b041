"""The README, followed to the letter: its "Add a topic" steps run in a copy of the project, and the commands a
newcomer meets first answer clearly when something is wrong.

The steps are read from README.md itself (the files to append or create, and the shell block of commands), so the
README cannot drift from the code: if a step stops working, this test fails naming the step.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# What a project copy needs for the content, the models, the CLI and the tests the steps run.
COPIED = ("skill", "interaction_models", "tests", "lambda_handler.py", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "_content_bundle.json")


def section(title: str, text: str | None = None) -> str:
    """The README's text from a heading to the next heading of the same or a higher level."""
    text = README.read_text(encoding="utf-8") if text is None else text
    match = re.search(rf"^(#+) {re.escape(title)}\n", text, re.M)
    assert match, f"README.md has no heading {title!r}"
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, match.end())
    return text[match.end(): end.start() if end else len(text)]


@dataclass(frozen=True)
class FileStep:
    verb: str  # "Append to" or "Create"
    path: str
    text: str


def file_steps(text: str) -> list[FileStep]:
    """Every "Append to `path`:" / "Create `path`:" line followed by a fenced block."""
    pattern = re.compile(r"^(Append to|Create) `([^`]+)`:\n\n```\w*\n(.*?)^```", re.M | re.S)
    return [FileStep(verb, path, body) for verb, path, body in pattern.findall(text)]


def shell_commands(text: str) -> list[str]:
    """The lines of the section's ```sh blocks (indented under a list item or not)."""
    commands = []
    for block in re.findall(r"^( *)```sh\n(.*?)^\1```", text, re.M | re.S):
        indent, body = block
        commands += [line[len(indent):].split(" #")[0].strip() for line in body.splitlines() if line.strip()]
    return commands


def project_copy(target: Path) -> Path:
    """The parts of the project the steps touch, plus the shared virtualenv (linked, not copied)."""
    target.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=IGNORED)
        else:
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to((ROOT / ".venv").resolve())
    return target


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPINE_COACH_", "PYTEST_", "PYTHON"))}
    env.update({"HOME": str(home), "SPINE_COACH_STORE": "memory://", "NO_COLOR": "1"})
    return env


def test_the_add_a_topic_steps_work_as_written(tmp_path: Path) -> None:
    steps = section("Add a topic")
    files = file_steps(steps)
    commands = shell_commands(steps)
    assert [f.path for f in files] == ["skill/content/en/topics.yaml", "skill/content/es/topics.yaml",
                                       "tests/dialogs/topic_fix.yaml", "tests/dialogs/es_topic_fix.yaml"]
    assert commands[:2] == [".venv/bin/python -m skill build-models", ".venv/bin/python -m skill validate"]
    project = project_copy(tmp_path / "project")
    for step in files:
        target = project / step.path
        if step.verb == "Create":
            assert not target.exists(), f"README says create {step.path}, but it exists already"
            target.write_text(step.text, encoding="utf-8")
        else:
            with target.open("a", encoding="utf-8") as handle:
                handle.write(step.text)
    env = clean_env(tmp_path)
    for command in commands:
        argv = shlex.split(command)
        if argv[:4] == [".venv/bin/python", "-m", "pytest", "-q"]:
            argv[4:4] = ["-x"]
        done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"README step `{command}` failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    models = (project / "interaction_models" / "es-MX.json").read_text(encoding="utf-8")
    assert "DoesCrackingFixIntent" in models and "sirve de algo tronarme la espalda" in models
    said = subprocess.run([".venv/bin/python", "-m", "skill", "say", "--locale", "es-ES", "tronarme la espalda",
                           "arregla", "algo"], cwd=project, env=env, capture_output=True, text=True, timeout=120,
                          check=True).stdout
    assert "problemas de fondo" in said


def test_validate_before_build_models_says_what_to_run(tmp_path: Path) -> None:
    """The README's old order (validate, then build-models) met a bare "out of date": now it is explained."""
    project = project_copy(tmp_path / "project")
    topics = project / "skill" / "content" / "en" / "topics.yaml"
    text = topics.read_text(encoding="utf-8")
    topics.write_text(text.replace("      - quick summary\n", "      - quick summary\n      - a short summary\n"),
                      encoding="utf-8")
    env = clean_env(tmp_path)
    done = subprocess.run([".venv/bin/python", "-m", "skill", "validate"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "content OK" in done.stderr
    assert "interaction_models/en-US.json: out of date with the content" in done.stderr
    assert "run `.venv/bin/python -m skill build-models`" in done.stderr
    assert done.stderr.count("build-models") == 1, done.stderr  # said once, not once per locale
    subprocess.run([".venv/bin/python", "-m", "skill", "build-models"], cwd=project, env=env, check=True,
                   capture_output=True, timeout=120)
    again = subprocess.run([".venv/bin/python", "-m", "skill", "validate"], cwd=project, env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("command", [["say", "why does my back crack"], ["chat"]], ids=["say", "chat"])
def test_say_and_chat_print_a_content_error_without_a_traceback(tmp_path: Path, command: list[str]) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "skill" / "content", content)
    topics = content / "en" / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("    title: How your spine is built\n", "", 1),
                      encoding="utf-8")
    env = {**clean_env(tmp_path), "SPINE_COACH_CONTENT_DIR": str(content), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "skill", *command], cwd=ROOT, env=env, input="", text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == ["Spine Coach content has problems:",
                                        f"  {topics}:6: topics[0].title: missing"]


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["say", "hello"]], ids=["serve", "say"])
def test_a_store_url_that_cannot_work_is_one_clear_line(tmp_path: Path, command: list[str]) -> None:
    env = {**clean_env(tmp_path), "SPINE_COACH_STORE": "postgres://db/progress", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "skill", *command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == ("Spine Coach cannot use its store: SPINE_COACH_STORE='postgres://db/progress': "
                                   "use memory://, sqlite:///path/to/file.db or dynamodb://table")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_contents_list_links_to_real_headings_and_the_picture_exists() -> None:
    text = README.read_text(encoding="utf-8")
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    contents = re.search(r"^\*\*Contents:\*\*(.*?)\n\n", text, re.M | re.S)
    assert contents, "README.md has no contents list"
    links = re.findall(r"\]\(#([^)]+)\)", contents.group(1))
    assert len(links) >= 10
    assert not [link for link in links if link not in anchors]
    for wanted in ("Troubleshooting", "Test on your own Echo", "Add a topic"):
        assert _slug(wanted) in links, wanted
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", text)
    assert "docs/simulator.png" in pictures
    assert (ROOT / "docs" / "simulator.png").read_bytes().startswith(b"\x89PNG")


def test_troubleshooting_quotes_messages_the_code_really_prints() -> None:
    """Each quoted symptom is (the start of) a message in the code, so a reworded message fails here."""
    table = section("Troubleshooting")
    quoted = re.findall(r"^\| `([^`]+)`", table, re.M)
    assert len(quoted) >= 6
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "skill").rglob("*.py"))
    sources += (ROOT / "Makefile").read_text(encoding="utf-8")
    for message in quoted:
        fixed = re.split(r"\.\.\.|127\.0\.0\.1:5000|SPINE_COACH_STORE=", message)[0].strip()
        assert fixed and fixed in sources, f"README troubleshooting quotes {message!r}, which the code never prints"

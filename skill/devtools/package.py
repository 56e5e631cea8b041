"""Build the AWS Lambda deployment package: ``python -m skill package``.

Why a builder of our own instead of ``sam build``'s Python workflow or ``pip install -t``:

* Lambda runs python3.13 on arm64 (Graviton): dependencies must be the manylinux aarch64 wheels, whatever
  machine builds the package. pip's ``--platform`` download gives exactly those, without Docker.
* The Lambda runtime already provides boto3 and botocore; shipping them again costs megabytes and pins an
  older boto3 than the runtime's. What the skill itself imports (six and python-dateutil included) ships.
* Lambda's code folder is read-only, so Python cannot cache bytecode there: every cold start would compile
  every module again (measured: imports take about 800 ms instead of 280 ms). We ship ``.pyc`` files made
  by a python3.13 interpreter, as unchecked-hash pycs so no source timestamp is checked at import.
* Dev-only parts (web server, simulator, devtools, tests) never reach production, and the content YAML is
  replaced by the pre-validated JSON bundle so a cold start neither parses YAML nor validates content.
* The zip is deterministic (sorted entries, fixed timestamps, fixed pyc paths, fixed hash seed): the same
  commit gives the same bytes on any machine, so two builds can be compared and a difference is a change.

``sam build`` (``BuildMethod: makefile`` in template.yaml) runs the same code with ``--unzipped-into``.
"""

from __future__ import annotations

import argparse
import email.parser
import glob
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ZIP_NAME = "spine-coach-lambda.zip"

# What Lambda runs: keep in step with template.yaml (Runtime python3.13, Architectures [arm64]).
LAMBDA_PYTHON = (3, 13)
LAMBDA_PLATFORM = "manylinux2014_aarch64"
LAMBDA_MACHINE = "aarch64"
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks the zip: recorded in tracebacks from our .pyc files

# Distributions the python3.13 Lambda runtime has and the package relies on: boto3 itself and the parts of its
# tree that the skill never imports on its own (the DynamoDB store loads boto3, and boto3 loads these).
# six and python-dateutil are runtime copies too (botocore needs them), but the skill imports them on every
# request (the ASK SDK's serializer), so they are SHIPPED: a runtime update that drops or changes them cannot
# break the skill. urllib3 is only needed by requests, which ask-sdk-core declares but the skill never imports
# (tests/test_package.py checks what a request really loads).
RUNTIME_PROVIDED = frozenset({
    "boto3", "botocore", "s3transfer", "jmespath", "urllib3",
})
# Distributions only needed to read the YAML content; the packaged Lambda reads the JSON bundle instead.
# The package test runs the packaged handler without them, which proves the claim.
NOT_NEEDED_WITH_BUNDLE = frozenset({"pyyaml"})

# Project files that must not ship: dev-only packages (conventions.md) and anything not code or content.
DEV_ONLY = ("skill/web", "skill/simulator", "skill/devtools", "skill/__main__.py")
SKIPPED_DIR_NAMES = frozenset({"__pycache__", "tests", "test"})
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".md", ".rst")
BUNDLE_NAME = "_content_bundle.json"  # written by skill.core.content.write_bundle; a build product
CONTENT_DIR = "skill/content"

# Bump when the dependency clean-up below changes, so old caches are not reused.
CACHE_FORMAT = 1
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


class PackagingError(Exception):
    """A problem the person running the build must fix (missing interpreter, unpinned dependency)."""


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of requirements.txt."""

    name: str  # canonical (PEP 503) name, for comparisons
    version: str
    line: str  # as written, for pip and for messages


# ------------------------------------------------------------------------------------------- pins


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def _lambda_environment() -> dict[str, str]:
    """PEP 508 marker values of the Lambda runtime, so markers select what Lambda needs, not this machine."""
    major, minor = LAMBDA_PYTHON
    return {
        "python_version": f"{major}.{minor}", "python_full_version": f"{major}.{minor}.0",
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
        "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
        "platform_machine": LAMBDA_MACHINE, "extra": "",
    }


def read_pins(requirements: Path) -> dict[str, Pin]:
    """Exact pins from requirements.txt; anything looser would make two builds of one commit differ."""
    from packaging.requirements import InvalidRequirement, Requirement

    if not requirements.is_file():
        raise PackagingError(f"{requirements} is missing: it lists the skill's runtime dependencies")
    pins: dict[str, Pin] = {}
    for number, raw in enumerate(requirements.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        where = f"{requirements.name}:{number}"
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise PackagingError(f"{where}: cannot read {text!r}: {exc}") from None
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            raise PackagingError(f"{where}: {text!r} must be pinned exactly (name==version)")
        if req.marker is not None and not req.marker.evaluate(_lambda_environment()):
            continue  # e.g. a Windows-only pin: not part of the Lambda's world
        name = _canonical(req.name)
        pins[name] = Pin(name, specs[0].version, f"{req.name}=={specs[0].version}")
    return pins


def lambda_pins(pins: dict[str, Pin], *, bundled: bool) -> list[Pin]:
    """The pins to download for Lambda: all of requirements.txt except what the runtime provides."""
    skip = RUNTIME_PROVIDED | (NOT_NEEDED_WITH_BUNDLE if bundled else frozenset())
    return sorted((pin for name, pin in pins.items() if name not in skip), key=lambda pin: pin.name)


def _installed_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _unmet(site: Path, shipped: set[str], pins: dict[str, Pin]) -> tuple[dict[str, set[str]], list[str]]:
    """Requirements of the distributions in ``site`` that neither ``shipped`` nor the runtime satisfies.

    Returns {missing name: names of the distributions needing it} and version conflicts, as messages.
    Markers are evaluated for the Lambda platform, so a dependency of another OS or Python is ignored.
    """
    from packaging.requirements import Requirement

    missing: dict[str, set[str]] = {}
    conflicts: list[str] = []
    env = _lambda_environment()
    for meta_file in sorted(site.glob("*.dist-info/METADATA")):
        meta = email.parser.Parser().parsestr(meta_file.read_text(encoding="utf-8"), headersonly=True)
        owner = meta["Name"]
        for text in meta.get_all("Requires-Dist") or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            name = _canonical(req.name)
            if name in RUNTIME_PROVIDED:
                continue
            if name not in shipped:
                missing.setdefault(name, set()).add(owner)
            elif name in pins and not req.specifier.contains(pins[name].version, prereleases=True):
                conflicts.append(f"{owner} needs {text}, but requirements.txt pins {pins[name].line}")
    return missing, conflicts


def _pip_install(site: Path, lines: Sequence[str]) -> None:
    """Install wheels for the Lambda platform into ``site``, without resolving (see check_closure)."""
    command = [
        sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet",
        "--no-compile", "--no-deps", "--only-binary=:all:", "--platform", LAMBDA_PLATFORM,
        "--implementation", "cp", "--python-version", "{}.{}".format(*LAMBDA_PYTHON),
        "--target", str(site), "--upgrade", *lines,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackagingError("pip could not download the Lambda dependencies for "
                             f"{LAMBDA_PLATFORM}:\n" + (result.stderr or result.stdout).strip())


def check_closure(site: Path, shipped: Sequence[Pin], pins: dict[str, Pin]) -> None:
    """Every dependency of a shipped distribution is shipped too, or provided by the Lambda runtime.

    pip runs with ``--no-deps`` (resolving for Lambda would drag boto3 and its tree in), so this is the
    resolver: it reads each wheel's Requires-Dist and names what requirements.txt lacks. To list the whole
    missing tree in one message, it downloads the versions this environment has into ``site`` (a scratch
    folder that is then discarded) and follows their requirements too.
    """
    shipped_names = {pin.name for pin in shipped}
    missing, conflicts = _unmet(site, shipped_names, pins)
    found: dict[str, tuple[str | None, set[str]]] = {}
    while missing:
        for name, owners in missing.items():
            found.setdefault(name, (_installed_version(name), set()))[1].update(owners)
        probe = {name: found[name][0] for name in missing if found[name][0] and name not in pins}
        if not probe:
            break
        _pip_install(site, [f"{name}=={version}" for name, version in sorted(probe.items())])
        missing, more = _unmet(site, shipped_names | set(found), pins)
        conflicts += more
    problems = []
    for name in sorted(name for name in found if name in pins):  # pinned, but left out for the bundle
        owners = ", ".join(sorted(found.pop(name)[1]))
        problems.append(f"{name} is left out because the content bundle replaces YAML, but {owners} "
                        "needs it: ship it (edit NOT_NEEDED_WITH_BUNDLE)")
    if found:
        lines = [f"  {name}=={version or '<version>'}    # needed by {', '.join(sorted(owners))}"
                 for name, (version, owners) in sorted(found.items())]
        problems.append("requirements.txt lacks pins for dependencies the Lambda needs; add:\n"
                        + "\n".join(lines))
    problems += sorted(set(conflicts))
    if problems:
        raise PackagingError("\n".join(problems))


# ----------------------------------------------------------------------------------- dependencies


def _cache_key(pins: Sequence[Pin]) -> str:
    """What decides the downloaded tree: pins, target platform and our clean-up rules."""
    spec = {"pins": [pin.line for pin in pins], "platform": LAMBDA_PLATFORM,
            "python": list(LAMBDA_PYTHON), "format": CACHE_FORMAT}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]


def _clean_dependencies(site: Path) -> None:
    """Drop what pip installs but Lambda never uses: console scripts, tests, install records."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    for path in sorted(site.rglob("*"), reverse=True):  # children before parents
        if path.is_dir() and path.name in SKIPPED_DIR_NAMES:
            shutil.rmtree(path)
        elif path.is_file() and path.parent.name.endswith(".dist-info") and path.name in {
            "RECORD", "INSTALLER", "REQUESTED", "direct_url.json",
        }:
            path.unlink()  # RECORD would list files we removed and not the .pyc we add: stale, so gone


def download_dependencies(pins: Sequence[Pin], all_pins: dict[str, Pin], cache_root: Path) -> Path:
    """The Lambda's third-party packages, downloaded once per pin set and reused offline afterwards."""
    final = cache_root / _cache_key(pins)
    if (final / ".complete").is_file():
        return final
    cache_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="download-", dir=cache_root))
    try:
        site = work / "site"
        site.mkdir()
        if pins:
            _pip_install(site, [pin.line for pin in pins])
        check_closure(site, pins, all_pins)
        _clean_dependencies(site)
        (site / ".complete").write_text("\n".join(pin.line for pin in pins) + "\n", encoding="utf-8")
        try:
            site.rename(final)
        except OSError:  # a parallel build finished first: its tree is the same, keep it
            if not (final / ".complete").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


# --------------------------------------------------------------------------------- project files


def _is_skipped(relative: Path) -> bool:
    text = relative.as_posix()
    if any(text == entry or text.startswith(entry + "/") for entry in DEV_ONLY):
        return True
    if any(part in SKIPPED_DIR_NAMES for part in relative.parts):
        return True
    return relative.name.endswith(SKIPPED_SUFFIXES)


def _write_bundle(target: Path) -> bool:
    """Write the validated content bundle into ``target`` if the content module offers it.

    The bundle is built from the content of the ``skill`` package this process imports (the project's).
    """
    from skill.core import content

    write = getattr(content, "write_bundle", None)
    if write is None:
        return False
    try:
        write(target)
    except getattr(content, "ContentError", ()) as exc:
        raise PackagingError(f"the content does not validate; fix it before packaging:\n{exc}") from exc
    return True


def stage_project(root: Path, stage: Path) -> bool:
    """Copy lambda_handler.py and the runtime part of ``skill/``; return whether the bundle replaced YAML."""
    shutil.copy2(root / "lambda_handler.py", stage / "lambda_handler.py")
    (stage / "skill").mkdir(exist_ok=True)
    bundled = _write_bundle(stage / "skill" / BUNDLE_NAME)
    for path in sorted((root / "skill").rglob("*")):
        relative = path.relative_to(root)
        if _is_skipped(relative) or not path.is_file():
            continue
        if relative.as_posix() == f"skill/{BUNDLE_NAME}":
            continue  # a bundle lying in the tree may be stale; only the one written above ships
        if bundled and relative.as_posix().startswith(CONTENT_DIR + "/") and path.suffix in {".yaml", ".yml"}:
            continue
        (stage / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, stage / relative)
    return bundled


# ----------------------------------------------------------------------------------- compilation


def _cache_tag() -> str:
    return "cpython-{}{}".format(*LAMBDA_PYTHON)


def _probe(candidate: str) -> bool:
    """Whether ``candidate`` runs and is CPython of the Lambda's minor version (pyenv shims may not run)."""
    try:
        result = subprocess.run([candidate, "-c", "import sys; print(sys.implementation.cache_tag)"],
                                capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == _cache_tag()


def find_python(explicit: str | None = None) -> str:
    """A CPython interpreter of the Lambda's minor version, to compile the .pyc files with."""
    version = "{}.{}".format(*LAMBDA_PYTHON)
    if explicit:
        candidates = [explicit]
    else:
        candidates = [sys.executable] if sys.implementation.cache_tag == _cache_tag() else []
        on_path = shutil.which(f"python{version}")
        if on_path:
            candidates.append(on_path)
        pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
        candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python"), reverse=True)
    for candidate in candidates:
        if _probe(candidate):
            return candidate
    tried = ", ".join(candidates) or "none found"
    raise PackagingError(
        f"No Python {version} interpreter to compile the package with (tried: {tried}). Lambda runs "
        f"python{version} from a read-only folder, so .pyc files must be compiled by Python {version}: "
        "other versions' bytecode is ignored and every cold start would compile every module again. "
        f"Install Python {version} (for example `pyenv install {version}`) or pass --python PATH."
    )


def _compileall(python: str, stage: Path, paths: Sequence[Path], *, legacy: bool) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"  # set constants are marshalled in hash order: fix it for stable bytes
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
               "-s", str(stage), "-p", LAMBDA_TASK_ROOT, *(["-b"] if legacy else []), *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise PackagingError("compileall failed:\n" + (result.stdout + result.stderr).strip())


def compile_tree(python: str, stage: Path, own: Sequence[Path], dependencies: Sequence[Path]) -> None:
    """Compile every module to unchecked-hash .pyc (no source check at import), with /var/task paths
    recorded so the bytes do not depend on the temp folder.

    Our own code keeps its sources beside ``__pycache__`` so tracebacks quote our lines. Third-party
    packages ship as bytecode only (legacy ``module.pyc`` in place of ``module.py``): their sources are the
    pinned wheels', a traceback still names file and line, and it keeps the zip about 30% smaller.
    """
    _compileall(python, stage, own, legacy=False)
    if dependencies:
        _compileall(python, stage, dependencies, legacy=True)
    for entry in dependencies:
        for source in [entry] if entry.is_file() else sorted(entry.rglob("*.py")):
            if source.suffix == ".py" and source.with_suffix(".pyc").is_file():
                source.unlink()


# -------------------------------------------------------------------------------------------- zip


def _zip_date() -> tuple[int, int, int, int, int, int]:
    """SOURCE_DATE_EPOCH when the caller sets one (reproducible-builds convention), else 1980-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return FIXED_DATE
    stamp = time.gmtime(max(int(epoch), 315532800))  # zip cannot store dates before 1980
    return (stamp.tm_year, stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec)


def _files(tree: Path) -> list[Path]:
    files = (path for path in tree.rglob("*") if path.is_file())
    return sorted(files, key=lambda path: path.relative_to(tree).as_posix())


def write_zip(tree: Path, target: Path) -> int:
    """Deterministic zip of ``tree``: sorted names, one timestamp, 644/755 modes. Returns the file count."""
    date = _zip_date()
    files = _files(tree)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), date_time=date)
            info.create_system = 3  # Unix, so Lambda honours the permission bits below
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(target)
    return len(files)


# ------------------------------------------------------------------------------------------ build


def build_package(output_dir: Path, *, unzipped_dir: Path | None = None, python: str | None = None,
                  root: Path = PROJECT_ROOT) -> Path:
    """Build ``output_dir/spine-coach-lambda.zip`` (and the same tree in ``unzipped_dir`` for sam build).

    Raises PackagingError with an actionable message when something outside the code is missing.
    """
    interpreter = find_python(python)  # first: no point downloading anything without it
    if unzipped_dir is not None and unzipped_dir.exists() and any(unzipped_dir.iterdir()):
        raise PackagingError(f"{unzipped_dir} is not empty: stale files there would be deployed too")
    all_pins = read_pins(root / "requirements.txt")
    with tempfile.TemporaryDirectory(prefix="spine-coach-package-") as scratch:
        stage = Path(scratch) / "package"
        stage.mkdir()
        bundled = stage_project(root, stage)
        pins = lambda_pins(all_pins, bundled=bundled)
        site = download_dependencies(pins, all_pins, root / "build" / "lambda-deps")
        modules: list[Path] = []  # third-party packages and modules, not their .dist-info metadata
        for path in sorted(site.iterdir()):
            if path.name == ".complete":
                continue
            if path.is_dir():
                shutil.copytree(path, stage / path.name)
            else:
                shutil.copy2(path, stage / path.name)
            if not path.name.endswith(".dist-info") and (path.is_dir() or path.suffix == ".py"):
                modules.append(stage / path.name)
        compile_tree(interpreter, stage, [stage / "lambda_handler.py", stage / "skill"], modules)
        output_dir.mkdir(parents=True, exist_ok=True)
        target = output_dir / ZIP_NAME
        count = write_zip(stage, target)
        if unzipped_dir is not None:
            shutil.copytree(stage, unzipped_dir, dirs_exist_ok=True)
    size_mb = target.stat().st_size / 1_000_000
    print(f"Wrote {target}: {size_mb:.2f} MB, {count} files "
          f"({'content bundle' if bundled else 'content YAML'}, {len(pins)} dependencies)")
    return target


# -------------------------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m skill package``."""
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "build", metavar="DIR",
                        help=f"folder for {ZIP_NAME} (default: build/)")
    parser.add_argument("--unzipped-into", type=Path, default=None, metavar="DIR", dest="unzipped_into",
                        help="also copy the package's files into this empty folder (sam's ARTIFACTS_DIR)")
    parser.add_argument("--python", default=None, metavar="PATH",
                        help="Python 3.13 that compiles the .pyc files (default: found automatically)")


def run(args: argparse.Namespace) -> int:
    """Run the build for parsed arguments; problems become one message on stderr and exit code 2."""
    try:
        build_package(args.output, unzipped_dir=args.unzipped_into, python=args.python)
    except PackagingError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m skill.devtools.package`` (and for the lead's ``skill package``)."""
    parser = argparse.ArgumentParser(prog="python -m skill package", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

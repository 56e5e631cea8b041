"""The Lambda package: small, complete, free of dev-only code, and it answers a LaunchRequest on its own.

The package is built once per module (the download is cached under build/, so only the first run on a
machine needs PyPI). The decisive test unpacks the zip and runs the handler in a bare Python 3.13 that
sees only the package plus the part of the runtime's boto3 tree the package relies on (RUNTIME_PROVIDED), the
way Lambda runs it: nothing from the dev venv can hide a missing file or dependency, and a request must load
no third-party module from that runtime tree at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from skill.devtools import package

MAX_BYTES = 3_000_000  # 3 MB: an upload that stays quick and far below Lambda's 50 MB zip limit
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(zip path, folder that --unzipped-into filled): one build serves every test here."""
    out = tmp_path_factory.mktemp("package")
    unzipped = out / "artifacts"
    return package.build_package(out / "zip", unzipped_dir=unzipped), unzipped


@pytest.fixture(scope="module")
def names(built: tuple[Path, Path]) -> list[str]:
    with zipfile.ZipFile(built[0]) as archive:
        return archive.namelist()


def test_zip_is_small(built: tuple[Path, Path]) -> None:
    size = built[0].stat().st_size
    assert size < MAX_BYTES, f"{size / 1e6:.2f} MB"


def test_zip_holds_the_handler_and_bytecode_for_python_313(names: list[str]) -> None:
    tag = package._cache_tag()
    assert "lambda_handler.py" in names
    assert f"__pycache__/lambda_handler.{tag}.pyc" in names
    own = [name for name in names if name.startswith("skill/") and name.endswith(".py")]
    assert "skill/entry.py" in own and "skill/assembly.py" in own
    for source in own:  # our code: source for tracebacks, plus bytecode of the runtime's version
        folder, _, file = source.rpartition("/")
        assert f"{folder}/__pycache__/{file[:-3]}.{tag}.pyc" in names, source
    assert "ask_sdk_core/skill_builder.pyc" in names  # dependencies: bytecode only
    assert not [name for name in names if name.endswith(".pyc") and "cpython-" in name and tag not in name]


def test_zip_leaves_out_dev_tools_and_what_lambda_provides(names: list[str]) -> None:
    tops = {name.split("/", 1)[0] for name in names}
    for provided in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3"):
        assert provided not in tops, provided
    for dev in ("flask", "werkzeug", "gunicorn", "pytest", "moto", "cfnlint", "playwright", "tests"):
        assert dev not in tops, dev
    for dev in ("skill/web/", "skill/simulator/", "skill/devtools/"):
        assert not [name for name in names if name.startswith(dev)], dev
    assert "skill/__main__.py" not in names
    assert not [name for name in names if {"tests", "test"} & set(name.split("/")[:-1])]
    assert not [name for name in names if name.endswith((".dist-info/RECORD", "/INSTALLER"))]
    assert not [name for name in names if name.startswith("bin/")]


def test_zip_ships_what_the_skill_imports_even_where_the_runtime_has_a_copy(names: list[str]) -> None:
    """six and python-dateutil come with the runtime only as botocore's dependencies: ship our own."""
    tops = {name.split("/", 1)[0] for name in names}
    assert {"six.pyc", "dateutil"} <= tops, sorted(tops)
    assert [n for n in names if n.startswith("six-") and n.endswith(".dist-info/METADATA")]
    assert [n for n in names if n.startswith("python_dateutil-") and n.endswith(".dist-info/METADATA")]


def test_zip_ships_the_content_bundle_not_the_yaml(names: list[str]) -> None:
    assert f"skill/{package.BUNDLE_NAME}" in names
    assert not [name for name in names if name.endswith((".yaml", ".yml"))]
    assert not [name for name in names if name.split("/", 1)[0] in {"yaml", "_yaml"}]


def test_build_is_reproducible_and_sam_gets_the_same_files(built: tuple[Path, Path], tmp_path: Path) -> None:
    again = package.build_package(tmp_path)
    assert again.read_bytes() == built[0].read_bytes()
    with zipfile.ZipFile(built[0]) as archive:
        zipped = {info.filename: archive.read(info) for info in archive.infolist()}
    unzipped = built[1]
    on_disk = {path.relative_to(unzipped).as_posix(): path.read_bytes()
               for path in unzipped.rglob("*") if path.is_file()}
    assert on_disk == zipped


def _lambda_runtime_libraries(target: Path) -> Path:
    """A folder with the part of Lambda's python3.13 runtime the package relies on: boto3 and the part of its
    tree we do not ship (taken from this venv; the runtime's versions may differ, the set of names does not)."""
    target.mkdir()
    for name in sorted(package.RUNTIME_PROVIDED):
        dist = metadata.distribution(name)
        tops = {Path(str(file)).parts[0] for file in dist.files or []}
        for top in sorted(tops):
            if top.endswith(".dist-info") or top in {"..", "bin", "__pycache__"}:
                continue
            (target / top).symlink_to(Path(str(dist.locate_file(top))))
    return target


LAUNCH_SCRIPT = """
import json, sys
package, runtime, event = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [package, runtime]

class Context:  # the attributes Lambda's context object carries
    function_name = "spine-coach"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:spine-coach:live"
    memory_limit_in_mb = "1024"
    aws_request_id = "req-1"
    log_group_name = "/aws/lambda/spine-coach"
    log_stream_name = "stream"
    def get_remaining_time_in_millis(self):
        return 7000

import lambda_handler
response = lambda_handler.handler(event, Context())
loaded = sorted({name.split(".")[0] for name in sys.modules})
origins = {name: getattr(module, "__file__", None) for name, module in sys.modules.items() if "." not in name}
print(json.dumps({"response": response, "loaded": loaded, "origins": origins}))
"""


def _launch_request(locale: str = "en-US") -> dict[str, object]:
    application = {"applicationId": SKILL_ID}
    user = {"userId": "amzn1.ask.account.PACKAGE-TEST"}
    return {
        "version": "1.0",
        "session": {"new": True, "sessionId": "amzn1.echo-api.session.package-test", "application": application,
                    "user": user, "attributes": {}},
        "context": {"System": {"application": application, "user": user,
                               "device": {"deviceId": "amzn1.ask.device.PACKAGE-TEST", "supportedInterfaces": {}},
                               "apiEndpoint": "https://api.amazonalexa.com"}},
        "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.package-test",
                    "timestamp": "2025-01-01T12:00:00Z", "locale": locale},
    }


def _snapshot(tree: Path) -> dict[str, int]:
    return {path.relative_to(tree).as_posix(): path.stat().st_size for path in tree.rglob("*") if path.is_file()}


def test_unpacked_package_answers_a_launch_request_alone(built: tuple[Path, Path], tmp_path: Path) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(built[0]) as archive:
        archive.extractall(unpacked)
    runtime = _lambda_runtime_libraries(tmp_path / "runtime")
    before = _snapshot(unpacked)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "SPINE_COACH_STORE": "memory://", "SPINE_COACH_SKILL_ID": SKILL_ID, "AWS_REGION": "us-east-1"}
    result = subprocess.run(  # -I: no user site, no PYTHON* variables; -S: no site-packages at all
        [package.find_python(), "-I", "-S", "-c", LAUNCH_SCRIPT, str(unpacked), str(runtime),
         json.dumps(_launch_request())],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])

    response = out["response"]["response"]
    ssml = response["outputSpeech"]["ssml"]
    assert ssml.startswith("<speak>") and ssml.endswith("</speak>")
    assert "welcome" in ssml.lower()
    assert response["shouldEndSession"] is False
    assert response["reprompt"]["outputSpeech"]["ssml"].startswith("<speak>")

    assert not {"yaml", "flask", "werkzeug"} & set(out["loaded"])  # dev-only or replaced by the bundle
    # Third-party code a request loads comes from the package, never from the runtime's boto3 tree: the
    # closure of what is shipped is judged by what really runs, not by what the runtime happens to carry.
    from_runtime = sorted(name for name, where in out["origins"].items()
                          if where and where.startswith(f"{runtime}/"))
    assert from_runtime == [], from_runtime
    assert {"six", "dateutil"} <= set(out["loaded"])
    assert not {"requests", "urllib3", "jmespath", "boto3", "botocore"} & set(out["loaded"])
    # Every module came from the shipped bytecode: Python wrote no .pyc of its own into the package.
    assert _snapshot(unpacked) == before


def test_pins_must_be_exact(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# runtime\nask-sdk-core==1.19.0  # the SDK\npywin32==306; sys_platform == 'win32'\n")
    assert {name: pin.line for name, pin in package.read_pins(requirements).items()} == {
        "ask-sdk-core": "ask-sdk-core==1.19.0",  # the Windows-only pin is not Lambda's business
    }
    requirements.write_text("ask-sdk-core>=1.19\n")
    with pytest.raises(package.PackagingError, match=r"requirements.txt:1: .* must be pinned exactly"):
        package.read_pins(requirements)


def test_missing_and_conflicting_pins_are_named(tmp_path: Path) -> None:
    """pip runs with --no-deps, so the closure check is what catches an incomplete requirements.txt."""
    dist_info = tmp_path / "skillish-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: skillish\nVersion: 1.0\n"
        "Requires-Dist: boto3\n"  # provided by the Lambda runtime
        "Requires-Dist: pywin32; sys_platform == 'win32'\n"  # not on Lambda
        "Requires-Dist: spine-coach-unknown-dependency>=1\n"
        "Requires-Dist: idna<3\n"
    )
    pins = {name: package.Pin(name, version, f"{name}=={version}")
            for name, version in (("skillish", "1.0"), ("idna", "3.20"))}
    with pytest.raises(package.PackagingError) as caught:
        package.check_closure(tmp_path, list(pins.values()), pins)
    message = str(caught.value)
    assert "add:\n  spine-coach-unknown-dependency==<version>    # needed by skillish" in message
    assert "skillish needs idna<3, but requirements.txt pins idna==3.20" in message
    assert "boto3" not in message and "pywin32" not in message


def test_a_missing_python_313_is_explained() -> None:
    with pytest.raises(package.PackagingError, match=r"No Python 3\.13 .*read-only folder"):
        package.find_python("/nonexistent/python3.13")

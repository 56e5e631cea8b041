"""The Lambda path stays lean: what `import lambda_handler` loads, measured in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, sys
import lambda_handler
from skill.devtools.bench import LAUNCH
lambda_handler.handler(LAUNCH, None)
print(json.dumps(sorted(sys.modules)))
"""
DEV_ONLY = ("flask", "werkzeug", "boto3", "botocore", "moto", "skill.web", "skill.simulator", "gunicorn",
            "cryptography", "hypothesis")


def loaded(store: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPINE_COACH_")}
    env["SPINE_COACH_STORE"] = store
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("store", ["memory://", "sqlite:///{tmp}/p.db"])
def test_answering_a_launch_loads_no_dev_only_module(store: str, tmp_path: Path) -> None:
    modules = loaded(store.format(tmp=tmp_path))
    heavy = sorted(m for m in modules if m.split(".")[0] in DEV_ONLY or m.startswith(DEV_ONLY))
    assert heavy == [], f"the Lambda path imported {heavy}"
    assert "logging" not in modules, "logging costs ~8 ms of cold start; the request log line needs none"


def test_the_dynamodb_store_is_the_only_reason_to_load_boto3() -> None:
    modules = loaded("dynamodb://spine-coach-progress")
    assert "boto3" in modules
    assert not any(m.startswith(("flask", "skill.web", "skill.simulator")) for m in modules)


def test_the_production_web_app_verifies_and_has_no_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    from skill.web.app import verified_app

    monkeypatch.setenv("SPINE_COACH_SKILL_ID", "amzn1.ask.skill.00000000-0000-4000-8000-000000000000")

    client = verified_app().test_client()
    refused = client.post("/", data=json.dumps({"version": "1.0"}), content_type="application/json")
    assert refused.status_code in (400, 401)
    assert "error" in refused.get_json()
    assert client.get("/simulator").status_code == 404

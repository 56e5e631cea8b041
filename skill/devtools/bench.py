"""Benchmark: cold start and warm latency of Spine Coach beside a hello-world ASK SDK skill, in one run.

Cold start is whole-process wall time, from spawning Python to reading the first response, the way a
Lambda cold start pays for imports and set-up. Warm is per-request time inside one process. Figures
are printed, never asserted: speed is measured here, not in tests that flake.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent

HELLO_WORLD = '''
from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type


class LaunchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return handler_input.response_builder.speak("Hello world").set_should_end_session(False).response


sb = SkillBuilder()
sb.add_request_handler(LaunchHandler())
handler = sb.lambda_handler()
'''

# The child process: import the handler module, answer one request, print it. Timed from outside.
CHILD = textwrap.dedent('''
    import json, sys
    sys.path[:0] = {paths!r}
    from {module} import handler
    print(json.dumps(handler(json.loads(sys.argv[1]), None)), flush=True)
''')


def envelope(request: dict[str, Any], user: str = "amzn1.ask.account.bench", new: bool = True,
             attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    system = {"application": {"applicationId": "amzn1.ask.skill.bench"}, "user": {"userId": user},
              "device": {"deviceId": "amzn1.ask.device.bench", "supportedInterfaces": {}},
              "apiEndpoint": "https://api.amazonalexa.com"}
    return {"version": "1.0",
            "session": {"new": new, "sessionId": "amzn1.echo-api.session.bench",
                        "application": system["application"], "user": system["user"],
                        "attributes": attributes or {}},
            "context": {"System": system},
            "request": {"requestId": "amzn1.echo-api.request.bench", "timestamp": "2026-11-25T12:00:00Z",
                        "locale": "en-US", **request}}


LAUNCH = envelope({"type": "LaunchRequest"})
TOPIC = envelope({"type": "IntentRequest", "intent": {"name": "WhyCrackIntent", "confirmationStatus": "NONE"}},
                 new=False)
ROUTINE_NEXT = envelope({"type": "IntentRequest", "intent": {"name": "AMAZON.NextIntent",
                                                             "confirmationStatus": "NONE"}},
                        new=False, attributes={"routine": {"routine": "quick", "index": 1}})


def cold_start(python: str, module: str, paths: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Milliseconds from spawning the interpreter to the first response line, per run."""
    times = []
    code = CHILD.format(paths=paths, module=module)
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.run([python, "-c", code, json.dumps(LAUNCH)], capture_output=True, text=True,
                                 env=env, check=False)
        elapsed = (time.perf_counter() - started) * 1000
        if process.returncode != 0 or '"response"' not in process.stdout:
            raise RuntimeError(f"{module} failed to answer:\n{process.stderr[-2000:]}")
        times.append(elapsed)
    return times


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _row(name: str, cold: list[float] | None, warm_us: list[float] | None, base: tuple[float, float]) -> str:
    cold_ms = statistics.median(cold) if cold else float("nan")
    p50 = pct(warm_us, 0.5) if warm_us else float("nan")
    p99 = pct(warm_us, 0.99) if warm_us else float("nan")
    return (f"{name:<34} {cold_ms:>9.1f} {cold_ms / base[0]:>6.2f}x {p50:>10.1f} {p50 / base[1]:>6.2f}x "
            f"{p99:>10.1f}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=15, help="cold starts per variant (default 15)")
    parser.add_argument("--requests", type=int, default=2000, help="warm requests per variant (default 2000)")
    parser.add_argument("--no-package", action="store_true", help="skip the packaged-zip variant")
    parser.add_argument("--no-dynamodb", action="store_true", help="skip the DynamoDB (moto) variant")


def run(args: argparse.Namespace) -> int:
    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="spine-bench-"))
    (work / "hello_world.py").write_text(HELLO_WORLD)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SPINE_COACH_", "PYTHON"))}
    memory_env = {**base_env, "SPINE_COACH_STORE": "memory://"}
    variants: list[tuple[str, str, list[str], dict[str, str], Callable[[], Any] | None]] = [
        ("hello-world ASK SDK skill", "hello_world", [str(work)], base_env, None),
        ("spine coach (source tree)", "lambda_handler", [str(ROOT)], memory_env, None),
    ]
    if not args.no_package:
        unpacked = _package(work)
        if unpacked is not None:
            variants.append(("spine coach (Lambda zip)", "lambda_handler", [str(unpacked)], memory_env, None))
    moto = None
    if not args.no_dynamodb:
        moto = _moto_server()
        if moto is not None:
            _server, endpoint = moto
            dynamo_env = {**base_env, "SPINE_COACH_STORE": "dynamodb://spine-coach-bench",
                          "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_DEFAULT_REGION": "us-east-1",
                          "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
            variants.append(("spine coach (source, DynamoDB/moto)", "lambda_handler", [str(ROOT)], dynamo_env,
                             None))
    print(f"Python {sys.version.split()[0]} on {os.uname().machine}; {args.runs} cold starts and "
          f"{args.requests} warm LaunchRequests per variant (medians / percentiles)\n")
    cold: dict[str, list[float]] = {name: [] for name, *_ in variants}
    for _ in range(args.runs):  # interleaved, so machine noise hits every variant alike
        for name, module, paths, env, _unused in variants:
            cold[name] += cold_start(python, module, paths, env, 1)
    warm_results = _warm_all(variants, args.requests)
    base = (statistics.median(cold[variants[0][0]]), pct(warm_results[variants[0][0]]["launch"], 0.5))
    print(f"{'variant':<34} {'cold ms':>9} {'ratio':>7} {'warm p50 us':>10} {'ratio':>7} {'p99 us':>10}")
    for name, *_ in variants:
        print(_row(name, cold[name], warm_results[name]["launch"], base))
    print("\nwarm p50 / p99 (us) of other Spine Coach requests, source tree, memory store:")
    for label in ("topic", "routine next"):
        values = warm_results[variants[1][0]][label]
        print(f"  {label:<14} {pct(values, 0.5):>8.1f} {pct(values, 0.99):>10.1f}")
    if moto is not None:
        moto[0].stop()
    return 0


WARM_CHILD = textwrap.dedent('''
    import json, sys, time
    sys.path[:0] = {paths!r}
    from {module} import handler
    events, requests = json.loads(sys.argv[1]), int(sys.argv[2])
    result = {{}}
    for label, event in events.items():
        for _ in range(20):
            handler(event, None)
        times = []
        for _ in range(requests):
            started = time.perf_counter_ns()
            handler(event, None)
            times.append((time.perf_counter_ns() - started) / 1000)
        result[label] = times
    print(json.dumps(result))
''')


def _warm_all(variants: list[Any], requests: int) -> dict[str, dict[str, list[float]]]:
    """Warm timings, each variant in a fresh child process so modules don't leak between them."""
    out: dict[str, dict[str, list[float]]] = {}
    for name, module, paths, env, _unused in variants:
        events = {"launch": LAUNCH}
        if module == "lambda_handler":
            events |= {"topic": TOPIC, "routine next": ROUTINE_NEXT}
        code = WARM_CHILD.format(paths=paths, module=module)
        process = subprocess.run([sys.executable, "-c", code, json.dumps(events), str(requests)],
                                 capture_output=True, text=True, env=env, check=False)
        if process.returncode != 0:
            raise RuntimeError(f"warm run of {name} failed:\n{process.stderr[-2000:]}")
        out[name] = json.loads(process.stdout.strip().splitlines()[-1])
    return out


def _package(work: Path) -> Path | None:
    """Build the Lambda zip and unpack it; None (with the reason printed) when it cannot be built here."""
    import zipfile

    try:
        from skill.devtools.package import build_package

        archive = build_package(work / "dist")
    except Exception as exc:  # reported, and the other variants still run
        print(f"(packaged variant skipped: {exc})")
        return None
    target = work / "unpacked"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(target)
    return target


def _moto_server() -> tuple[Any, str] | None:
    """moto's DynamoDB on 127.0.0.1 (DynamoDB Local can't be had here), with the progress table."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        print(f"(DynamoDB variant skipped: {exc})")
        return None
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server would log every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                 aws_secret_access_key="bench").create_table(
        TableName="spine-coach-bench", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return server, endpoint

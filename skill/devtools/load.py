"""Load test: many simulated users running whole routines against gunicorn serving the skill.

``python -m skill load [--users 50] [--seconds 30] [--workers 4] [--routines 3] [--devices 1]
[--store sqlite|dynamodb]``

Starts gunicorn (``skill.web.app:create_app()``, the project's gunicorn settings) on a free loopback port
with a fresh SQLite file, or with DynamoDB served by moto on 127.0.0.1 (``--store dynamodb``), waits until
it answers, then lets every user, on each of ``--devices`` devices (one account, separate sessions, each
device in its own thread, so their requests overlap), do what a person does: open the skill, start the
quick routine, say "next" until it is finished, and stop, again and again, carrying the session attributes
from each answer into the next request as Alexa does. It stops at the time bound or when every device has
finished ``--routines`` routines, then checks what users would notice: any failed request or a routine that
ended any other way than finished; any lost update (each user's stored completed count must equal the
routines their devices finished, and stored visits the launches); and any spoken count that went down (a
"that's N routines" heard after an answer that said more). Prints requests/s and p50/p99 latency; exits 1
on any error.

A benchmark, not a CI test: figures are printed, never asserted. Stdlib only (urllib and threads) on the
client side, so the numbers are the server's, not a client library's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.core.content import library
from skill.simulator.envelopes import Conversation

ROOT = Path(__file__).resolve().parent.parent.parent
MAX_SECONDS = 60
SKILL_ID = "amzn1.ask.skill.spine-coach-load"
APP = "skill.web.app:create_app()"
SETTINGS = ROOT / "skill" / "web" / "gunicorn_conf.py"
TABLE = "spine-coach-load"
REQUEST_TIMEOUT = 15.0
MAX_STEPS = 100  # "next" commands before a routine that never finishes counts as an error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=50, help="simulated users, each in a thread (default 50)")
    parser.add_argument("--seconds", type=float, default=30,
                        help=f"time bound in seconds, at most {MAX_SECONDS} (default 30)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--routines", type=int, default=3,
                        help="stop early once every user has finished this many routines (default 3)")
    parser.add_argument("--locale", default="en-US", help="the users' locale (default en-US)")
    parser.add_argument("--devices", type=int, default=1,
                        help="devices per user, each with its own sessions, all at once (default 1)")
    parser.add_argument("--store", choices=("sqlite", "dynamodb"), default="sqlite",
                        help="SQLite file, or DynamoDB served by moto on 127.0.0.1 (default sqlite)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and the server log")


# ------------------------------------------------------------------------------------------- the server


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn in its own process group, its output in a log file in the run's folder."""

    def __init__(self, folder: Path, database: Path, workers: int | None = None, store: dict[str, str] | None = None,
                 settings: list[str] | None = None) -> None:
        """``settings``: gunicorn's own options (default: the project's settings file, as the README runs it)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = folder / "server.log"
        env = {**os.environ, "SPINE_COACH_STORE": f"sqlite:///{database}", "SPINE_COACH_SKILL_ID": SKILL_ID,
               "PYTHONUNBUFFERED": "1", **(store or {})}
        if settings is None:
            settings = ["-c", str(SETTINGS)] if SETTINGS.exists() else []
        if workers:
            settings = [*settings, "--workers", str(workers)]
        command = [sys.executable, "-m", "gunicorn", *settings, "--bind", f"127.0.0.1:{self.port}",
                   "--chdir", str(ROOT), "--log-level", "warning", "--graceful-timeout", "5", APP]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """True once GET / answers; False if gunicorn died or never answered."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return True
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()



def log_tail(path: Path, lines: int = 30) -> str:
    """The server's last words, without the per-request JSON lines."""
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join([line for line in text if not line.startswith('{"event":"request"')][-lines:])


# ------------------------------------------------------------------------------------------- the users


@dataclass
class User:
    """One simulated person (one account, on one or more devices); what they did and what went wrong."""

    number: int
    user_id: str
    finished: int = 0
    launches: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    spoken: list[tuple[float, float, int]] = field(default_factory=list)  # (sent, answered, count heard)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class Run:
    def __init__(self, url: str, locale: str, deadline: float, routines: int) -> None:
        self.url = url
        self.locale = locale
        self.deadline = deadline
        self.routines = routines
        content = library().for_locale(locale)
        self.apologies = [" ".join(v.split()) for v in content.variants("error")]
        self.routine_name = content.routines["quick"].name
        self.first = [" ".join(v.format(routine=self.routine_name).split())
                      for v in content.variants("routine_done_first")]

    def post(self, user: User, event: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(event).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise Failure(f"HTTP {exc.code}: {exc.read()[:200]!r}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise Failure(f"{type(exc).__name__}: {exc}") from None
        answered = time.perf_counter()
        with user.lock:
            user.latencies.append(answered - started)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise Failure(f"not JSON: {raw[:200]!r}") from None
        speech = ((answer.get("response") or {}).get("outputSpeech") or {}).get("ssml", "")
        if any(apology in speech for apology in self.apologies):
            raise Failure(f"the error apology: {speech[:200]}")
        return answer

    def spoken_count(self, speech: str) -> int | None:
        """The routine count a finishing answer says ("your first one" is 1); None when it says none."""
        if any(first in speech for first in self.first):
            return 1
        match = re.search(r"\d+", speech)
        return int(match.group()) if match else None

    def routine(self, user: User, device: Conversation) -> bool:
        """One whole routine in one session. True when finished; False when the time ran out (not an error)."""
        answer = self.post(user, device.launch())
        with user.lock:
            user.launches += 1
        device.absorb(answer)
        slots = {"Routine": {"name": "Routine", "value": self.routine_name, "confirmationStatus": "NONE"}}
        answer, times = self.post_timed(user, device.intent("StartRoutineIntent", slots))
        device.absorb(answer)
        for _ in range(MAX_STEPS):
            if not device.open:
                raise Failure("the session closed in the middle of the routine")
            if "routine" not in (answer.get("sessionAttributes") or {}):
                offer = (answer.get("sessionAttributes") or {}).get("offer") or {}
                if offer.get("kind") != "menu":
                    raise Failure(f"the routine ended without being finished: {answer.get('sessionAttributes')}")
                count = self.spoken_count(((answer.get("response") or {}).get("outputSpeech") or {}).get("ssml", ""))
                if count is not None:
                    with user.lock:
                        user.spoken.append((*times, count))
                device.absorb(self.post(user, device.intent("AMAZON.StopIntent")))
                if device.open:
                    raise Failure("stop did not close the session")
                return True
            if time.monotonic() >= self.deadline:
                device.close()
                return False
            answer, times = self.post_timed(user, device.intent("AMAZON.NextIntent"))
            device.absorb(answer)
        raise Failure(f"not finished after {MAX_STEPS} times next")

    def post_timed(self, user: User, event: dict[str, Any]) -> tuple[dict[str, Any], tuple[float, float]]:
        """The answer, and when the request was sent and answered (for the order of spoken counts)."""
        started = time.perf_counter()
        answer = self.post(user, event)
        return answer, (started, time.perf_counter())

    def user(self, user: User) -> None:
        """One device of a user: ``routines`` whole routines, one after the other."""
        device = Conversation(self.locale, user_id=user.user_id, skill_id=SKILL_ID)
        done = 0
        try:
            while done < self.routines and time.monotonic() < self.deadline:
                if not self.routine(user, device):
                    return
                done += 1
                with user.lock:
                    user.finished += 1
        except Failure as failure:
            with user.lock:
                user.errors.append(str(failure))
        except Exception as exc:  # a bug in the load tool itself is still a failed run, never a silent one
            with user.lock:
                user.errors.append(f"{type(exc).__name__}: {exc}")


class Failure(Exception):
    """Something a user would have noticed."""


# ------------------------------------------------------------------------------------------- checking and figures


def stored_records(database: Path, users: list[User]) -> dict[str, dict[str, Any]]:
    """Each user's stored profile, as the SQLite file holds it."""
    out: dict[str, dict[str, Any]] = {}
    with closing(sqlite3.connect(database)) as db:
        for user in users:
            row = db.execute("SELECT attributes FROM attributes WHERE id = ?", (user.user_id,)).fetchone()
            out[user.user_id] = json.loads(row[0]) if row else {}
    return out


def dynamodb_records(endpoint: str, users: list[User]) -> dict[str, dict[str, Any]]:
    """Each user's stored profile, as DynamoDB (moto) holds it."""
    import boto3

    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1").Table(TABLE)
    out: dict[str, dict[str, Any]] = {}
    for user in users:
        item = table.get_item(Key={"id": user.user_id}, ConsistentRead=True).get("Item") or {}
        out[user.user_id] = json.loads(json.dumps(item.get("attributes") or {}, default=int))
    return out


def stored_counts(database: Path, users: list[User]) -> dict[str, int]:
    """Completed quick routines per user, as the SQLite file holds them."""
    return {key: _completed(record) for key, record in stored_records(database, users).items()}


def _completed(record: dict[str, Any]) -> int:
    return int((record.get("completed") or {}).get("quick", 0))


def decreases(spoken: list[tuple[float, float, int]]) -> int:
    """Times a count was heard lower than one already heard before that request was sent."""
    return sum(1 for sent, _, count in spoken for _, answered, earlier in spoken if answered < sent and count < earlier)


def moto_server() -> tuple[Any, str]:
    """DynamoDB under moto, served on 127.0.0.1, with the progress table."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per DynamoDB call otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    return server, endpoint


AWS_FAKE = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing"}


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def run(args: argparse.Namespace) -> int:
    seconds = min(float(args.seconds), MAX_SECONDS)
    devices = getattr(args, "devices", 1)
    store = getattr(args, "store", "sqlite")
    if args.users < 1 or args.workers < 1 or args.routines < 1 or seconds <= 0 or devices < 1:
        print("--users, --workers, --routines, --devices and --seconds must be positive", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="spine-coach-load-"))
    database = folder / "load.db"
    moto, environment = None, None
    if store == "dynamodb":
        os.environ.update({k: os.environ.get(k, v) for k, v in AWS_FAKE.items()})
        moto, endpoint = moto_server()
        environment = {**AWS_FAKE, "SPINE_COACH_STORE": f"dynamodb://{TABLE}", "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
    where = f"dynamodb://{TABLE} (moto on 127.0.0.1)" if store == "dynamodb" else f"sqlite:///{database}"
    print(f"Spine Coach load test: {args.users} users x {devices} devices, {args.workers} gunicorn workers, "
          f"{where}, up to {seconds:g} s or {args.routines} routines per device")
    server = Server(folder, database, args.workers, environment)
    records = None
    try:
        if not server.wait_ready():
            print(f"gunicorn did not start:\n{log_tail(server.log_path)}", file=sys.stderr)
            return 2
        users = [User(n, f"amzn1.ask.account.LOAD{n:04d}{os.getpid()}") for n in range(args.users)]
        started = time.monotonic()
        load = Run(server.url, args.locale, started + seconds, args.routines)
        threads = [threading.Thread(target=load.user, args=(user,), daemon=True)
                   for user in users for _ in range(devices)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + REQUEST_TIMEOUT * 2)
        elapsed = time.monotonic() - started
        stuck = sum(thread.is_alive() for thread in threads)
    finally:
        server.stop()
        if moto is not None:
            try:
                records = dynamodb_records(endpoint, users)
            finally:
                moto.stop()
    return report(args, users, database, elapsed, stuck, server.log_path, records)


def report(args: argparse.Namespace, users: list[User], database: Path, elapsed: float, stuck: int,
           server_log: Path, records: dict[str, dict[str, Any]] | None = None) -> int:
    """Print the figures and every error; 0 only when nobody noticed anything wrong."""
    latencies = sorted(value * 1000 for user in users for value in user.latencies)
    errors = [f"user {user.number}: {error}" for user in users for error in user.errors]
    if stuck:
        errors.append(f"{stuck} users still waiting for an answer at the end")
    if records is None:
        records = stored_records(database, users) if database.exists() else {}
    counts = {key: _completed(record) for key, record in records.items()}
    visits = {key: int(record.get("visits") or 0) for key, record in records.items()}
    lost = [f"user {user.number}: finished {user.finished}, stored {counts.get(user.user_id, 0)}"
            for user in users if counts.get(user.user_id, 0) != user.finished]
    lost += [f"user {user.number}: {user.launches} launches, {visits.get(user.user_id, 0)} visits stored"
             for user in users if user.launches and visits.get(user.user_id, 0) != user.launches]
    finished = sum(user.finished for user in users)
    lost_routines = sum(max(0, user.finished - counts.get(user.user_id, 0)) for user in users)
    launches = sum(user.launches for user in users)
    lost_visits = sum(max(0, user.launches - visits.get(user.user_id, 0)) for user in users)
    went_down = sum(decreases(user.spoken) for user in users)
    print(f"  requests   {len(latencies)} in {elapsed:.1f} s ({len(latencies) / max(elapsed, 1e-9):.1f} requests/s)")
    print(f"  latency    p50 {percentile(latencies, 0.50):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
          f"max {latencies[-1] if latencies else 0:.1f} ms")
    print(f"  routines   {finished} finished by {len(users)} users "
          f"({sum(u.finished >= args.routines for u in users)} reached {args.routines})")
    print(f"  errors     {len(errors)}")
    for error in errors[:10]:
        print(f"    {error}")
    print(f"  lost       {lost_routines} of {finished} routines, {lost_visits} of {launches} visits")
    print(f"  spoken     {'counts never went down' if not went_down else f'a count went down {went_down} times'}")
    print(f"  progress   {'stored counts match for every user' if not lost else f'{len(lost)} users lost progress'}")
    for line in lost[:10]:
        print(f"    {line}")
    if errors or lost or went_down:
        print(f"FAILED (kept: {database}, {server_log})")
        print(log_tail(server_log))
        return 1
    if not getattr(args, "keep", False):
        shutil.rmtree(database.parent, ignore_errors=True)
    print("OK")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill load", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

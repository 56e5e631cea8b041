"""How long a turn takes when DynamoDB stalls: ``python -m skill.devtools.stall``.

A local TCP server on 127.0.0.1 stands in for DynamoDB (``AWS_ENDPOINT_URL_DYNAMODB``) in two worst cases:
``silent`` accepts every connection and never answers; ``late-read`` answers GetItem (no item) just before
the read's share of the budget runs out and never answers PutItem, so a turn pays for a late read and a
stalled write. Each case runs launch, start the quick routine, next and stop, and prints every turn's
wall time and what the user heard about saving. Exit 1 if any turn took 3 s or more.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from typing import Any

MODES = ("silent", "late-read")
CEILING = 3.0


class StalledDynamo:
    """A fake DynamoDB endpoint that stalls (see the module docstring); use as a context manager."""

    def __init__(self, mode: str = "silent", read_delay: float = 0.7) -> None:
        assert mode in MODES
        self.mode = mode
        self.read_delay = read_delay
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.server.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> StalledDynamo:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self.server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self.server.accept()[0]
            except OSError:
                continue
            self._held.append(conn)
            if self.mode == "late-read":
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        """Answer GetItem late with an empty item; never answer anything else."""
        conn.settimeout(0.5)
        data = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except OSError:
                continue
            if not chunk:
                return
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if not sep:
                continue
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if len(body) < length:
                continue
            data = body[length:]
            if b"DynamoDB_20120810.GetItem" not in head:
                return  # a write: hold the connection, never answer
            time.sleep(self.read_delay)
            answer = b"{}"
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                             b"Content-Length: " + str(len(answer)).encode() + b"\r\n\r\n" + answer)
            except OSError:
                return


def aws_environment(endpoint: str, folder: str) -> dict[str, str]:
    """Fake credentials, a region and the endpoint: nothing reaches AWS or looks for real credentials."""
    return {"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.path.join(folder, "none"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(folder, "none")}


def turn_times(mode: str) -> list[tuple[str, float, str]]:
    """(turn, seconds, speech) for launch, start, next and stop against a stalled endpoint."""
    import tempfile

    from skill.assembly import build_skill
    from skill.simulator.envelopes import Conversation

    with StalledDynamo(mode) as stalled, tempfile.TemporaryDirectory() as folder:
        saved = dict(os.environ)
        os.environ.update(aws_environment(stalled.url, folder))
        try:
            skill = build_skill(store="dynamodb://spine-coach-stall", skill_id="amzn1.ask.skill.stall")
            device = Conversation("en-US", skill_id="amzn1.ask.skill.stall")
            out = []
            for name, event in (("launch", device.launch), ("start", lambda: device.intent("StartRoutineIntent")),
                                ("next", lambda: device.intent("AMAZON.NextIntent")),
                                ("stop", lambda: device.intent("AMAZON.StopIntent"))):
                request = event()
                started = time.monotonic()
                answer = _send(skill, request)
                out.append((name, time.monotonic() - started, _speech(answer)))
                device.absorb(answer)
            return out
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _send(skill: Any, event: dict[str, Any]) -> dict[str, Any]:
    from skill.entry import handle_event

    return handle_event(event, None, skill)


def _speech(answer: dict[str, Any]) -> str:
    return ((answer.get("response") or {}).get("outputSpeech") or {}).get("ssml", "")


def main() -> int:
    worst = 0.0
    for mode in MODES:
        print(f"DynamoDB endpoint: {mode}")
        for name, seconds, speech in turn_times(mode):
            worst = max(worst, seconds)
            note = "says not saved" if "couldn't save" in speech else ""
            print(f"  {name:<7} {seconds:5.2f} s  {note}")
    print(f"worst-case turn: {worst:.2f} s (ceiling {CEILING:.0f} s)")
    return 0 if worst < CEILING else 1


if __name__ == "__main__":
    sys.exit(main())

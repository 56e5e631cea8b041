"""A local stand-in for the Alexa API: reminders and the device time-zone setting, over real HTTP on 127.0.0.1.

Why: the skill reaches Alexa's services through the ASK SDK's real HTTP client, to whatever the request
envelope's ``apiEndpoint`` says, with its ``apiAccessToken`` as bearer token. Pointing those at this server
exercises exactly that path offline: the tests (create, list, delete, 401, 429, 5xx, a server that never
answers) and the simulator (grant or refuse the reminders permission, see the reminders it holds).

Endpoints (as the Alexa API has them):
    POST   /v1/alerts/reminders                         create (needs the permission: else 401)
    GET    /v1/alerts/reminders                         list this user's reminders
    GET    /v1/alerts/reminders/{alertToken}            one reminder
    DELETE /v1/alerts/reminders/{alertToken}            delete
    GET    /v2/devices/{deviceId}/settings/System.timeZone   the device's zone, as a JSON string

Dev-only; stdlib only.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REMINDERS = "/v1/alerts/reminders"
TIME_ZONE_SUFFIX = "/settings/System.timeZone"


class FakeAlexaApi:
    """The fake's state (tokens, permission, reminders, time zone) and a switch for how it misbehaves.

    ``fail`` makes every reminders call answer that status (401, 429, 500, 503 ...); ``hang`` makes every call
    never answer (until the server closes); ``zone_status`` does the same for the time-zone call alone.
    """

    def __init__(self, token: str = "test-api-token", time_zone: str | None = "America/Los_Angeles",
                 granted: bool = True) -> None:
        self.token = token
        self.time_zone = time_zone
        self.granted = granted
        self.reminders: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every call, for tests
        self.fail: int | None = None
        self.zone_status: int | None = None
        self.hang = False
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> FakeAlexaApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests instead
                pass

            def do_GET(self) -> None:
                api._serve(self, "GET")

            def do_POST(self) -> None:
                api._serve(self, "POST")

            def do_DELETE(self) -> None:
                api._serve(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAlexaApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- what a test or the simulator looks at --------------------------------------------------------------
    def listed(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.reminders.values()]

    # ---- serving --------------------------------------------------------------------------------------------
    def _serve(self, http: BaseHTTPRequestHandler, method: str) -> None:
        path = http.path.split("?", 1)[0]
        with self._lock:
            self.requests.append((method, path))
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        if self.hang:
            self._closing.wait(30)  # never answers while the test lasts
            return
        if http.headers.get("Authorization") != f"Bearer {self.token}":
            return self._send(http, 401, {"code": "UNAUTHORIZED", "message": "bad or missing token"})
        if path.startswith("/v2/devices/") and path.endswith(TIME_ZONE_SUFFIX) and method == "GET":
            if self.zone_status is not None:
                return self._send(http, self.zone_status, {"code": "ERROR", "message": "time zone unavailable"})
            if self.time_zone is None:
                return self._send(http, 204, None)
            return self._send(http, 200, self.time_zone)
        if not path.startswith(REMINDERS):
            return self._send(http, 404, {"code": "NOT_FOUND", "message": path})
        if self.fail is not None:
            return self._send(http, self.fail, {"code": "ERROR", "message": f"fake failure {self.fail}"})
        if not self.granted:
            return self._send(http, 401, {"code": "UNAUTHORIZED", "message": "reminders permission not granted"})
        alert = path[len(REMINDERS):].strip("/")
        if method == "POST" and not alert:
            return self._create(http, body)
        if method == "GET" and not alert:
            with self._lock:
                alerts = list(self.reminders.values())
            return self._send(http, 200, {"totalCount": str(len(alerts)), "alerts": alerts, "links": None})
        with self._lock:
            found = self.reminders.get(alert)
            if found is not None and method == "DELETE":
                del self.reminders[alert]
        if found is None:
            return self._send(http, 404, {"code": "NOT_FOUND", "message": "no such reminder"})
        return self._send(http, 200, found if method == "GET" else None)

    def _create(self, http: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            request = json.loads(body)
            trigger = request["trigger"]
            spoken = request["alertInfo"]["spokenInfo"]["content"]
            assert trigger["type"] == "SCHEDULED_ABSOLUTE" and trigger["timeZoneId"] and spoken
        except (ValueError, KeyError, TypeError, AssertionError):
            return self._send(http, 400, {"code": "INVALID_REQUEST", "message": "malformed reminder"})
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        token = str(uuid.uuid4())
        reminder = {"alertToken": token, "createdTime": now, "updatedTime": now, "status": "ON",
                    "trigger": trigger, "alertInfo": request["alertInfo"],
                    "pushNotification": request.get("pushNotification") or {"status": "ENABLED"}, "version": "1"}
        with self._lock:
            self.reminders[token] = reminder
        self._send(http, 200, {"alertToken": token, "createdTime": now, "updatedTime": now, "status": "ON",
                               "version": "1", "href": f"{REMINDERS}/{token}"})

    @staticmethod
    def _send(http: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        http.send_response(status)
        if data:
            http.send_header("Content-Type", "application/json")
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        if data:
            http.wfile.write(data)

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
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REMINDERS = "/v1/alerts/reminders"
TIME_ZONE_SUFFIX = "/settings/System.timeZone"


class Account:
    """One user's side of the fake, found by the bearer token: permission, time zone, reminders."""

    def __init__(self, granted: bool, time_zone: str | None) -> None:
        self.granted = granted
        self.time_zone = time_zone
        self.reminders: dict[str, dict[str, Any]] = {}


class FakeAlexaApi:
    """The fake's accounts (one per bearer token) and switches for how it misbehaves.

    The first account is the constructor's (``token``, ``granted``, ``time_zone`` and ``reminders`` read and
    write it); ``add_account`` adds more (the simulator shares one server between its sessions). ``fail``
    makes every reminders call answer that status (429, 500, 503 ...); ``hang`` makes every call never answer
    (until the server closes); ``zone_status`` does the same for the time-zone call alone. An unknown token
    gets 401, as Alexa answers a request without a valid token.
    """

    def __init__(self, token: str = "test-api-token", time_zone: str | None = "America/Los_Angeles",
                 granted: bool = True) -> None:
        self.token = token
        self.accounts: dict[str, Account] = {token: Account(granted, time_zone)}
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

    # ---- accounts ---------------------------------------------------------------------------------------------
    def add_account(self, token: str, granted: bool = False, time_zone: str | None = None) -> Account:
        with self._lock:
            return self.accounts.setdefault(token, Account(granted, time_zone))

    @property
    def granted(self) -> bool:
        return self.accounts[self.token].granted

    @granted.setter
    def granted(self, value: bool) -> None:
        self.accounts[self.token].granted = value

    @property
    def time_zone(self) -> str | None:
        return self.accounts[self.token].time_zone

    @time_zone.setter
    def time_zone(self, value: str | None) -> None:
        self.accounts[self.token].time_zone = value

    @property
    def reminders(self) -> dict[str, dict[str, Any]]:
        return self.accounts[self.token].reminders

    def listed(self, token: str | None = None) -> list[dict[str, Any]]:
        """The reminders an account holds (the first account's by default)."""
        with self._lock:
            account = self.accounts.get(token or self.token)
            return [dict(r) for r in account.reminders.values()] if account else []

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
        bearer = (http.headers.get("Authorization") or "").removeprefix("Bearer ")
        account = self.accounts.get(bearer)
        if account is None:
            return self._send(http, 401, {"code": "UNAUTHORIZED", "message": "bad or missing token"})
        if path.startswith("/v2/devices/") and path.endswith(TIME_ZONE_SUFFIX) and method == "GET":
            if self.zone_status is not None:
                return self._send(http, self.zone_status, {"code": "ERROR", "message": "time zone unavailable"})
            if account.time_zone is None:
                return self._send(http, 204, None)
            return self._send(http, 200, account.time_zone)
        if not path.startswith(REMINDERS):
            return self._send(http, 404, {"code": "NOT_FOUND", "message": path})
        if self.fail is not None:
            return self._send(http, self.fail, {"code": "ERROR", "message": f"fake failure {self.fail}"})
        if not account.granted:
            return self._send(http, 401, {"code": "UNAUTHORIZED", "message": "reminders permission not granted"})
        alert = path[len(REMINDERS):].strip("/")
        if method == "POST" and not alert:
            return self._create(http, body, account)
        if method == "GET" and not alert:
            with self._lock:
                alerts = list(account.reminders.values())
            return self._send(http, 200, {"totalCount": str(len(alerts)), "alerts": alerts, "links": None})
        with self._lock:
            found = account.reminders.get(alert)
            if found is not None and method == "DELETE":
                del account.reminders[alert]
        if found is None:
            return self._send(http, 404, {"code": "NOT_FOUND", "message": "no such reminder"})
        return self._send(http, 200, found if method == "GET" else None)

    def _create(self, http: BaseHTTPRequestHandler, body: bytes, account: Account) -> None:
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
            account.reminders[token] = reminder
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


@cache
def shared() -> FakeAlexaApi:
    """One fake per process for the simulator's sessions (each its own account), started on first use."""
    return FakeAlexaApi(token=f"simulator-{uuid.uuid4().hex}").start()

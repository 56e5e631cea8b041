"""Does the production server answer while slow clients trickle? ``python -m skill.devtools.slowclients``

Starts gunicorn on 127.0.0.1 twice over one fresh SQLite file: with the project's settings
(``skill/web/gunicorn_conf.py``: gthread) and, for comparison, with gunicorn's default sync workers (4).
Each time, ``--slow`` connections (default 8) send a request one byte a second; after a second of that, a
real request (GET /health, which reads and writes the store) is timed. Prints its latency per setting
("> N s" when it got no answer within ``--wait`` seconds). Exit 1 if the project's setting took 3 s or more.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from skill.devtools.load import SETTINGS as CONFIG
from skill.devtools.load import Server

SLOW_REQUEST = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2048\r\n\r\n" + b"{" * 2048)


def trickle(port: int, stop: threading.Event) -> None:
    """One slow client: connects and sends its request a byte a second until told to stop."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in SLOW_REQUEST:
                if stop.is_set():
                    return
                sock.sendall(bytes([byte]))
                stop.wait(1.0)
    except OSError:
        return


def latency_with_slow_clients(settings: list[str], slow: int = 8, wait: float = 10.0) -> float | None:
    """Seconds a real request took while ``slow`` clients trickle; None when it got no answer in ``wait``."""
    with tempfile.TemporaryDirectory(prefix="spine-coach-slow-") as folder:
        server = Server(Path(folder), Path(folder) / "slow.db", settings=settings)
        stop = threading.Event()
        threads = [threading.Thread(target=trickle, args=(server.port, stop), daemon=True) for _ in range(slow)]
        try:
            if not server.wait_ready():
                raise RuntimeError(f"gunicorn did not start: {(Path(folder)).iterdir()}")
            for thread in threads:
                thread.start()
            time.sleep(1.5)  # every slow client has connected and sent its first bytes
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"{server.url}health", timeout=wait) as response:
                    response.read()
            except (OSError, urllib.error.URLError):
                return None
            return time.monotonic() - started
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m skill.devtools.slowclients", description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=8, help="slow clients trickling a byte a second (default 8)")
    parser.add_argument("--wait", type=float, default=10.0, help="how long the real request may wait (default 10)")
    args = parser.parse_args(argv)
    ours = None
    for name, settings in (("project settings (gthread)", ["-c", str(CONFIG)]),
                           ("gunicorn default (sync, 4 workers)", ["--workers", "4"])):
        seconds = latency_with_slow_clients(settings, args.slow, args.wait)
        shown = f"{seconds:.3f} s" if seconds is not None else f"> {args.wait:g} s (no answer)"
        print(f"{name:<36} real request with {args.slow} slow clients: {shown}")
        if ours is None:
            ours = seconds if seconds is not None else float("inf")
    return 0 if ours is not None and ours < 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""gunicorn settings for the self-hosted web service: ``gunicorn -c skill/web/gunicorn_conf.py ...``.

Threaded workers (gthread), not gunicorn's default sync ones: a sync worker is held by one connection from
its first byte to its last, so four clients trickling a byte a second stop four sync workers from answering
anyone (a real request waited 32 s). A gthread worker keeps idle connections in its poller and gives each
a thread only while it sends, so slow clients take threads, not the server: 4 workers x 16 threads leave 60
free slots with four tricklers connected. Measured with ``python -m skill.devtools.slowclients``. For far
more slow clients than that, put a buffering proxy (nginx, which also terminates TLS) in front: it reads
whole requests before passing them on.
"""

from __future__ import annotations

import os

worker_class = "gthread"
workers = int(os.environ.get("SPINE_COACH_WORKERS", "4"))
threads = int(os.environ.get("SPINE_COACH_THREADS", "16"))
timeout = 30  # a worker silent this long is restarted
graceful_timeout = 10
keepalive = 5  # Alexa reuses connections; idle ones wait in the poller, not in a thread
limit_request_line = 8190
limit_request_fields = 100

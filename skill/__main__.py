"""Command line: ``python -m skill <command>``. Each command imports only what it needs."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import socket
import sys

from skill.core.content_rules import ContentError


def _validate(args: argparse.Namespace) -> int:
    """Check content and the interaction models; print each problem with file, line and field."""
    from skill.core.content import library
    from skill.devtools.models import stale_models

    lib = library()
    problems = stale_models(lib)
    if problems:  # the usual state right after a content edit: say so, and what to run
        print(f"content OK ({len(lib.locales)} locales), but the interaction models do not match it yet:",
              file=sys.stderr)
        for problem in problems:
            print(f"  interaction_models/{problem.split(';')[0]}", file=sys.stderr)
        print("The models are generated from the content: run `.venv/bin/python -m skill build-models` "
              "(or `make models`), then validate again.", file=sys.stderr)
        return 1
    print(f"content and models OK: {len(lib.locales)} locales ({', '.join(lib.locales)})")
    return 0


def _build_models(args: argparse.Namespace) -> int:
    from skill.core.content import library
    from skill.devtools.models import write_models

    for path in write_models(library()):
        print(f"wrote {path.relative_to(path.parent.parent)}")
    return 0


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    """The dev server. Anything but loopback must verify Alexa's signatures, or it is refused."""
    if not _is_loopback(args.host) and not args.verify:
        print(f"refusing to listen on {args.host} without --verify: a public endpoint must check that "
              "requests really come from Alexa. Use --verify, or bind to 127.0.0.1.", file=sys.stderr)
        return 2
    from skill.core.content import library
    from skill.persistence import store_url

    library()  # refuse to start on broken content, with the content's own error
    verifier = None
    if args.verify:
        from skill.web.verification import RequestVerifier, skill_id_from_environment

        try:
            skill_id, any_skill = skill_id_from_environment(args.any_skill)
        except ValueError as exc:
            print(f"refusing to start with --verify: {exc} (or pass --any-skill)", file=sys.stderr)
            return 2
        if skill_id is None:
            print("warning: accepting signed requests for ANY skill (--any-skill); never do this in production",
                  file=sys.stderr)
        verifier = RequestVerifier(skill_id=skill_id, any_skill=any_skill)
    from werkzeug.serving import make_server

    from skill.web.app import create_app

    app = create_app(verifier=verifier)
    try:  # bind first, so "address in use" comes before, and instead of, the banner
        listener = _listen(args.host, args.port)
    except OSError as exc:
        busy = " (another server is running there)" if exc.errno == errno.EADDRINUSE else ""
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}{busy}. {_PORT_HINT}",
              file=sys.stderr)
        return 2
    with listener:
        server = make_server(args.host, args.port, app, threaded=True, fd=listener.fileno())
        port = listener.getsockname()[1]
    simulator = "" if verifier is not None else "; simulator at /simulator"
    print(f"Spine Coach on http://{args.host}:{port}/ (store {store_url()}{simulator})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (the server takes a duplicate of it); OSError when it is taken."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug does: TIME_WAIT is no conflict
        listener.bind(address)
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


_PORT_HINT = "Stop the other server, or pick another port: make serve PORT=5001 (or serve --port 5001)."


# command: (module, function that adds its arguments, function that runs it, help)
LAZY = {
    "chat": ("skill.simulator.chat", "add_chat_arguments", "run_chat", "talk to the skill offline"),
    "say": ("skill.simulator.chat", "add_say_arguments", "run_say", "answer one utterance offline"),
    "coverage": ("skill.simulator.coverage", "add_arguments", "run",
                 "sample counts and utterance collisions per intent"),
    "package": ("skill.devtools.package", "add_arguments", "run", "build the Lambda zip"),
    "manifest": ("skill.devtools.manifest", "add_arguments", "run", "build the ASK CLI skill package"),
    "bench": ("skill.devtools.bench", "add_arguments", "run", "cold-start and warm latency benchmark"),
    "load": ("skill.devtools.load", "add_arguments", "run", "load test: gunicorn + SQLite, many users"),
    "dialogs": ("skill.simulator.dialogs", "add_arguments", "run", "run the dialog scripts"),
    "evaluate": ("skill.simulator.evaluate", "add_arguments", "run",
                 "score the offline understander on the held-out utterances"),
    "timing": ("skill.devtools.timing", "add_arguments", "run",
               "each turn's estimated length beside an espeak-ng rendering"),
}


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """Only the chosen command's module is imported, so ``validate`` never loads Flask or the simulator."""
    parser = argparse.ArgumentParser(prog="python -m skill", description="Spine Coach: an Alexa skill.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check content and interaction models").set_defaults(run=_validate)
    commands.add_parser("build-models", help="write interaction_models/<locale>.json from content"
                        ).set_defaults(run=_build_models)
    serve = commands.add_parser("serve", help="run the local skill server (Flask)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--verify", action="store_true", help="verify Alexa request signatures (needs "
                       "SPINE_COACH_SKILL_ID)")
    serve.add_argument("--any-skill", action="store_true", dest="any_skill",
                       help="with --verify and no SPINE_COACH_SKILL_ID: accept every skill's requests (testing only)")
    serve.set_defaults(run=_serve)
    for name, (module_name, add, run, text) in LAZY.items():
        sub = commands.add_parser(name, help=text)
        if name == chosen:
            import importlib

            module = importlib.import_module(module_name)
            getattr(module, add)(sub)
            sub.set_defaults(run=getattr(module, run))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:  # some commands read the content while building their arguments (chat and say list its locales)
        args = _parser(next((a for a in argv if not a.startswith("-")), None)).parse_args(argv)
        return int(args.run(args))
    except ContentError as exc:
        print("Spine Coach content has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a store URL that cannot work: one line, not a traceback
        from skill.persistence import StoreConfigError

        if not isinstance(exc, StoreConfigError):
            raise
        print(f"Spine Coach cannot use its store: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

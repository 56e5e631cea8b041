"""Alexa web-service request verification, built on `cryptography` alone.

Alexa certification requires a self-hosted endpoint to prove every request came from Alexa. The ASK helper
packages (ask-sdk-webservice-support, flask-ask-sdk) cannot be imported on OpenSSL >= 3.0.10 because of
oscrypto, so this module does the same job with `cryptography`'s X.509 verifier and certifi's roots.
It is framework-free: the Flask app passes in the headers and the raw body.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.client
import json
import posixpath
import socket
import ssl
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as x509_verification

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ECHO_API_DOMAIN = "echo-api.amazon.com"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
DEFAULT_TOLERANCE_SECONDS = 150
DEFAULT_FETCH_TIMEOUT_SECONDS = 5.0  # for the whole download: DNS, connect, TLS, headers and body together
DEFAULT_FETCH_MAX_BYTES = 64 * 1024
CACHE_MAX_ENTRIES = 8
# A chain that could not be fetched or was refused is remembered this long (in its own small cache, so
# failures never push a good chain out): a flood of requests naming one bad URL costs one download.
FAILURE_CACHE_SECONDS = 30
FAILURE_CACHE_MAX_ENTRIES = 64
# Real envelopes nest about 8 levels deep (our session attributes add a few). Anything far deeper is
# refused before the ASK SDK sees it: its deserialiser and deepcopy recurse, and would fail with a 500.
MAX_JSON_DEPTH = 64
SKILL_ID_ENV = "SPINE_COACH_SKILL_ID"
ANY_SKILL_ENV = "SPINE_COACH_ALLOW_ANY_SKILL"  # explicit opt-out of the skill-id check (not for production)

BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403


class VerificationError(Exception):
    """A request failed verification; `status` and `reason` go straight into the HTTP error response."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


def _refuse(reason: str) -> VerificationError:
    """Authentication failures are 401: the caller could not prove it is Alexa."""
    return VerificationError(UNAUTHORIZED, reason)


def _malformed(reason: str) -> VerificationError:
    return VerificationError(BAD_REQUEST, reason)


# ----------------------------------------------------------------------------------------------------
# Check 1: the certificate chain URL
# ----------------------------------------------------------------------------------------------------


def check_cert_chain_url(url: str | None) -> str:
    """Refuse any chain URL outside Amazon's echo.api bucket; return the normalised URL that is safe to fetch.

    The path is percent-decoded and normalised before the prefix test, so `..` cannot escape the bucket,
    and the URL returned is rebuilt from the checked parts: what we fetch is exactly what we checked.
    Amazon's rules name only scheme, host, port and path; the query string and fragment are dropped, so
    `...pem?x=1` and `...pem?x=2` are one certificate (one cache entry, one download), not two.
    """
    if not url or not url.strip():
        raise _refuse(f"missing {CERT_URL_HEADER} header")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise _refuse(f"{CERT_URL_HEADER} is not a valid URL") from exc
    if parts.scheme.lower() != "https":
        raise _refuse(f"{CERT_URL_HEADER} must use https")
    if (parts.hostname or "").lower() != CERT_HOST:
        raise _refuse(f"{CERT_URL_HEADER} host must be {CERT_HOST}")
    if port is not None and port != 443:
        raise _refuse(f"{CERT_URL_HEADER} port must be 443")
    if parts.username is not None or parts.password is not None:
        raise _refuse(f"{CERT_URL_HEADER} must not carry credentials")
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CERT_PATH_PREFIX):
        raise _refuse(f"{CERT_URL_HEADER} path must start with {CERT_PATH_PREFIX}")
    return f"https://{CERT_HOST}{quote(path)}"


# ----------------------------------------------------------------------------------------------------
# Check 2: the certificate chain
# ----------------------------------------------------------------------------------------------------


def parse_cert_chain(pem: bytes) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """Split the PEM bundle into leaf (first, as Amazon serves it) and intermediates."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise _refuse("signing certificate chain is not valid PEM") from exc
    return certs[0], certs[1:]


def check_leaf_dates(leaf: x509.Certificate, now: datetime) -> None:
    """Checked explicitly (the chain verifier checks it too) so the refusal names the actual problem."""
    if now < leaf.not_valid_before_utc:
        raise _refuse("signing certificate is not yet valid")
    if now > leaf.not_valid_after_utc:
        raise _refuse("signing certificate has expired")


def check_leaf_san(leaf: x509.Certificate) -> None:
    """The leaf must name echo-api.amazon.com; checked explicitly for a clear refusal reason."""
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        raise _refuse(f"signing certificate has no subject alternative name {ECHO_API_DOMAIN}") from exc
    names = [name.lower() for name in san.get_values_for_type(x509.DNSName)]
    if ECHO_API_DOMAIN not in names:
        raise _refuse(f"signing certificate is not issued to {ECHO_API_DOMAIN}")


def check_chain_trust(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    store: x509_verification.Store,
    now: datetime,
) -> None:
    """Web PKI path validation (dates, SAN, key usage, chain to a trusted root) by cryptography's verifier."""
    verifier = (
        x509_verification.PolicyBuilder()
        .store(store)
        .time(now)
        .build_server_verifier(x509.DNSName(ECHO_API_DOMAIN))
    )
    try:
        verifier.verify(leaf, intermediates)
    except x509_verification.VerificationError as exc:
        raise _refuse("signing certificate does not chain to a trusted root") from exc


def verify_cert_chain(pem: bytes, store: x509_verification.Store, now: datetime) -> x509.Certificate:
    """Run every certificate check and return the leaf whose key may then verify signatures."""
    leaf, intermediates = parse_cert_chain(pem)
    check_leaf_dates(leaf, now)
    check_leaf_san(leaf)
    check_chain_trust(leaf, intermediates, store, now)
    return leaf


def rsa_public_key(leaf: x509.Certificate) -> rsa.RSAPublicKey:
    """Alexa signs with RSA; any other key type cannot have produced a valid Signature-256."""
    public_key = leaf.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise _refuse("signing certificate key is not RSA")
    return public_key


# ----------------------------------------------------------------------------------------------------
# Check 3: the body signature
# ----------------------------------------------------------------------------------------------------


def decode_signature(header_value: str | None) -> bytes:
    """Decoded early, before any network use, so junk requests are refused cheaply."""
    if not header_value or not header_value.strip():
        raise _refuse(f"missing {SIGNATURE_HEADER} header")
    try:
        signature = base64.b64decode(header_value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _refuse(f"{SIGNATURE_HEADER} header is not valid base64") from exc
    if not signature:
        raise _refuse(f"{SIGNATURE_HEADER} header is empty")
    return signature


def check_signature(public_key: rsa.RSAPublicKey, signature: bytes, body: bytes) -> None:
    """The signature covers the raw bytes: callers must pass the body exactly as received, not re-encoded."""
    try:
        public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise _refuse("request signature does not match the body") from exc


# ----------------------------------------------------------------------------------------------------
# Checks 4 and 5: the body itself
# ----------------------------------------------------------------------------------------------------


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """Nesting depth of a parsed JSON value, counted without recursion; stops counting past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def load_json(body: bytes | str) -> Any:
    """json.loads, with nesting too deep for Python or for the ASK SDK as a ValueError, not a RecursionError."""
    try:
        value = json.loads(body)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    return value


def parse_body(body: bytes) -> dict[str, Any]:
    """The envelope must be a JSON object of sane depth; anything else is a malformed request (400)."""
    try:
        envelope = load_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(envelope, dict):
        raise _malformed("request body is not a JSON object")
    return envelope


def check_timestamp(envelope: Mapping[str, Any], now: datetime, tolerance_seconds: int) -> None:
    """Replay protection: a signed request is only good for `tolerance_seconds` either side of now."""
    request = envelope.get("request")
    raw = request.get("timestamp") if isinstance(request, Mapping) else None
    if not isinstance(raw, str) or not raw:
        raise _malformed("request.timestamp is missing")
    try:
        timestamp = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise _malformed("request.timestamp is not an ISO 8601 date-time") from exc
    if timestamp.tzinfo is None:
        raise _malformed("request.timestamp has no time zone")
    if abs(now - timestamp) > timedelta(seconds=tolerance_seconds):
        raise _refuse(f"request.timestamp is more than {tolerance_seconds} seconds from now")


def application_id_of(envelope: Mapping[str, Any]) -> str | None:
    """context.System.application is on every request; session.application is the older location."""
    paths = (
        ("context", "System", "application", "applicationId"),
        ("session", "application", "applicationId"),
    )
    for path in paths:
        node: Any = envelope
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, str) and node:
            return node
    return None


def check_application_id(envelope: Mapping[str, Any], skill_id: str | None) -> None:
    """Stops other skills (whose requests Alexa signs just as well) from using this endpoint."""
    if skill_id is None:
        return
    if application_id_of(envelope) != skill_id:
        raise VerificationError(FORBIDDEN, "request is for a different skill id")


# ----------------------------------------------------------------------------------------------------
# Fetching and trust roots
# ----------------------------------------------------------------------------------------------------


Resolver = Callable[[str, int], list[tuple[Any, ...]]]

# DNS lookups run here, so a resolver that hangs costs at most these threads, never a request worker's time.
_DNS_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cert-dns")


def _system_resolve(host: str, port: int) -> list[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


class HttpsCertFetcher:
    """Default fetcher: HTTPS only, no redirects, a size cap, and ONE deadline for the whole download.

    A per-read timeout is not enough: a server that trickles a byte every few seconds never trips it and
    holds a worker for as long as it likes. Here DNS resolution waits at most the time left (in a small
    thread pool, since getaddrinfo cannot be interrupted), every socket operation gets only the time left,
    and a timer shuts the socket down at the deadline, whatever the TLS or HTTP layer is doing.
    """

    def __init__(
        self,
        timeout: float = DEFAULT_FETCH_TIMEOUT_SECONDS,
        max_bytes: int = DEFAULT_FETCH_MAX_BYTES,
        ssl_context: ssl.SSLContext | None = None,
        resolve: Resolver | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._context = ssl_context if ssl_context is not None else ssl.create_default_context()
        self._resolve = resolve if resolve is not None else _system_resolve

    def __call__(self, url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("certificate chains are only fetched over https")
        deadline = time.monotonic() + self.timeout
        host, port = parts.hostname, parts.port or 443
        address = self._address(host, port, deadline)
        sock = socket.create_connection(address, timeout=_left(deadline))
        watch = sock.dup()  # shutting down this duplicate stops every read on the connection, TLS or HTTP
        timer = threading.Timer(max(deadline - time.monotonic(), 0.001), _shut, args=(watch,))
        timer.daemon = True
        timer.start()
        try:
            with self._context.wrap_socket(sock, server_hostname=host) as tls:
                return self._get(tls, host, port, parts.path or "/", deadline)
        except (OSError, http.client.HTTPException) as exc:  # a cut-off reply may look malformed: say why
            if time.monotonic() >= deadline:
                raise TimeoutError(f"certificate download took longer than {self.timeout} s") from exc
            raise
        finally:
            timer.cancel()
            sock.close()
            watch.close()

    def _address(self, host: str, port: int, deadline: float) -> tuple[Any, ...]:
        """The first address of ``host``, or TimeoutError once the deadline passes (the lookup may go on)."""
        future = _DNS_POOL.submit(self._resolve, host, port)
        try:
            infos = future.result(timeout=_left(deadline))
        except FutureTimeout as exc:
            future.cancel()
            raise TimeoutError(f"resolving {host} took longer than {self.timeout} s") from exc
        if not infos:
            raise OSError(f"{host} has no address")
        return tuple(infos[0][4][:2])

    def _get(self, tls: ssl.SSLSocket, host: str, port: int, path: str, deadline: float) -> bytes:
        connection = http.client.HTTPSConnection(host, port, context=self._context)
        connection.sock = tls  # already connected and verified; http.client only speaks HTTP over it
        host_header = host if port == 443 else f"{host}:{port}"
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host_header)
        connection.putheader("Accept-Encoding", "identity")
        connection.endheaders()
        tls.settimeout(_left(deadline))
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"certificate download got HTTP {response.status} {response.reason}")
        data = bytearray()
        while len(data) <= self.max_bytes:
            _left(deadline)
            chunk = response.read1(16 * 1024)
            if not chunk:
                break
            data += chunk
        if len(data) > self.max_bytes:
            raise ValueError(f"certificate chain is larger than {self.max_bytes} bytes")
        _left(deadline)  # the deadline timer ends a trickle with what looks like a clean end of file
        if response.length:  # fewer bytes than Content-Length promised
            raise OSError("certificate download ended early")
        return bytes(data)


def _left(deadline: float) -> float:
    """Seconds until ``deadline``; raises TimeoutError once it has passed (a 0 timeout would mean non-blocking)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("certificate download took longer than its deadline")
    return left


def _shut(sock: socket.socket) -> None:
    """Called by the deadline timer: unblocks whatever read or handshake is waiting on ``sock``."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def load_certifi_roots() -> list[x509.Certificate]:
    """Parse certifi's bundle one certificate at a time: a few roots (e.g. Starfield Services G2, in Amazon's
    older chains) have serial number 0, which cryptography warns about today and may refuse later; a root it
    cannot parse is skipped rather than failing every request."""
    import certifi

    with open(certifi.where(), "rb") as handle:
        bundle = handle.read()
    roots: list[x509.Certificate] = []
    end_marker = b"-----END CERTIFICATE-----"
    for chunk in bundle.split(end_marker):
        start = chunk.find(b"-----BEGIN CERTIFICATE-----")
        if start < 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                roots.append(x509.load_pem_x509_certificate(chunk[start:] + end_marker + b"\n"))
            except ValueError:
                continue
    return roots


@dataclass(frozen=True)
class _CachedChain:
    public_key: rsa.RSAPublicKey
    not_valid_before: datetime
    not_valid_after: datetime


# ----------------------------------------------------------------------------------------------------
# The verifier
# ----------------------------------------------------------------------------------------------------


class RequestVerifier:
    """Verifies one Alexa HTTPS request; one instance is shared by all server threads.

    ``skill_id`` is required: Alexa signs every skill's requests with the same certificate, so without it
    any skill could use this endpoint. ``any_skill=True`` is the explicit, logged opt-out (for trying it out).
    """

    def __init__(
        self,
        *,
        skill_id: str | None,
        any_skill: bool = False,
        cert_fetcher: Callable[[str], bytes] | None = None,
        trust_roots: list[x509.Certificate] | None = None,
        clock: Callable[[], datetime] | None = None,
        timestamp_tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    ) -> None:
        if trust_roots is not None and not trust_roots:
            raise ValueError("trust_roots must not be empty")
        if not skill_id and not any_skill:
            raise ValueError(f"a skill id is required: set {SKILL_ID_ENV} to this skill's id (or pass any_skill=True "
                             "to accept every skill's requests, which Alexa certification does not allow)")
        self.skill_id = skill_id or None
        self._fetch = cert_fetcher if cert_fetcher is not None else HttpsCertFetcher()
        self._trust_roots = list(trust_roots) if trust_roots is not None else None
        self._clock = clock if clock is not None else (lambda: datetime.now(UTC))
        self.timestamp_tolerance_seconds = timestamp_tolerance_seconds
        self._store: x509_verification.Store | None = None
        self._store_lock = threading.Lock()
        self._cache: OrderedDict[str, _CachedChain] = OrderedDict()
        self._failures: OrderedDict[str, tuple[datetime, VerificationError]] = OrderedDict()
        self._cache_lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise VerificationError unless the request is genuinely from Alexa, fresh, and for this skill.

        Checks needing no network run first, so a bad URL or junk request never triggers a fetch. The skill id
        is checked only after the signature: an unsigned request learns nothing about which id is ours.
        """
        normalised = {str(key).lower(): value for key, value in headers.items()}
        now = self._now()
        chain_url = check_cert_chain_url(normalised.get(CERT_URL_HEADER.lower()))
        signature = decode_signature(normalised.get(SIGNATURE_HEADER.lower()))
        envelope = parse_body(body)
        check_timestamp(envelope, now, self.timestamp_tolerance_seconds)
        check_signature(self._leaf_key(chain_url, now), signature, body)
        check_application_id(envelope, self.skill_id)

    def _now(self) -> datetime:
        now = self._clock()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    def _trust_store(self) -> x509_verification.Store:
        """certifi's bundle is parsed once, on first use, so constructing a verifier stays cheap."""
        with self._store_lock:
            if self._store is None:
                roots = self._trust_roots if self._trust_roots is not None else load_certifi_roots()
                self._store = x509_verification.Store(roots)
            return self._store

    def _leaf_key(self, chain_url: str, now: datetime) -> rsa.RSAPublicKey:
        """Return the verified leaf key for `chain_url`, fetching and validating only on a cache miss.

        A URL that failed (download or validation) within FAILURE_CACHE_SECONDS fails again without a fetch;
        failures live in their own cache, so no number of bad URLs can evict a good chain. The lock is not
        held while fetching, so one slow fetch does not block requests served from the cache; two concurrent
        misses may both fetch, which is harmless.
        """
        with self._cache_lock:
            cached = self._cache.get(chain_url)
            if cached is not None:
                if cached.not_valid_before <= now <= cached.not_valid_after:
                    self._cache.move_to_end(chain_url)
                    return cached.public_key
                del self._cache[chain_url]
            failed = self._failures.get(chain_url)
            if failed is not None:
                if abs(now - failed[0]) < timedelta(seconds=FAILURE_CACHE_SECONDS):
                    raise failed[1]
                del self._failures[chain_url]
        try:
            public_key, leaf = self._fetch_and_verify(chain_url, now)
        except VerificationError as exc:
            with self._cache_lock:
                self._failures[chain_url] = (now, VerificationError(exc.status, exc.reason))
                self._failures.move_to_end(chain_url)
                while len(self._failures) > FAILURE_CACHE_MAX_ENTRIES:
                    self._failures.popitem(last=False)
            raise
        with self._cache_lock:
            self._cache[chain_url] = _CachedChain(
                public_key, leaf.not_valid_before_utc, leaf.not_valid_after_utc
            )
            self._cache.move_to_end(chain_url)
            while len(self._cache) > CACHE_MAX_ENTRIES:
                self._cache.popitem(last=False)
        return public_key

    def _fetch_and_verify(self, chain_url: str, now: datetime) -> tuple[rsa.RSAPublicKey, x509.Certificate]:
        try:
            pem = self._fetch(chain_url)
        except Exception as exc:
            raise _refuse("could not fetch the signing certificate chain") from exc
        leaf = verify_cert_chain(pem, self._trust_store(), now)
        return rsa_public_key(leaf), leaf


def skill_id_from_environment(any_skill: bool = False) -> tuple[str | None, bool]:
    """(skill id, any_skill) for a production verifier, from SPINE_COACH_SKILL_ID and the explicit opt-out
    SPINE_COACH_ALLOW_ANY_SKILL=1; raises ValueError with what to set when neither is given."""
    import os

    skill_id = os.environ.get(SKILL_ID_ENV, "").strip() or None
    any_skill = any_skill or os.environ.get(ANY_SKILL_ENV, "").strip().lower() in {"1", "true", "yes"}
    if skill_id is None and not any_skill:
        raise ValueError(f"{SKILL_ID_ENV} is not set. A verifying server must know its skill id (Alexa developer "
                         f"console > your skill > Copy Skill ID), or any skill's signed requests would reach it. "
                         f"Set {SKILL_ID_ENV}=amzn1.ask.skill.…, or {ANY_SKILL_ENV}=1 to accept every skill "
                         "(only for trying it out).")
    return skill_id, any_skill

"""Alexa web-service request verification, built on `cryptography` alone.

Alexa certification requires a self-hosted endpoint to prove every request came from Alexa. The ASK helper
packages (ask-sdk-webservice-support, flask-ask-sdk) cannot be imported on OpenSSL >= 3.0.10 because of
oscrypto, so this module does the same job with `cryptography`'s X.509 verifier and certifi's roots.
It is framework-free: the Flask app passes in the headers and the raw body.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import threading
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
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
DEFAULT_FETCH_TIMEOUT_SECONDS = 5.0
DEFAULT_FETCH_MAX_BYTES = 64 * 1024
CACHE_MAX_ENTRIES = 8

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
    query = f"?{parts.query}" if parts.query else ""
    return f"https://{CERT_HOST}{quote(path)}{query}"


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


def parse_body(body: bytes) -> dict[str, Any]:
    """The envelope must be a JSON object; anything else is a malformed request (400)."""
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed("request body is not valid JSON") from exc
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would fetch from a URL that never passed check 1."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpsCertFetcher:
    """Default fetcher: HTTPS only, no redirects, a timeout and a size cap, so a slow or huge reply cannot
    stall or exhaust a worker."""

    def __init__(
        self,
        timeout: float = DEFAULT_FETCH_TIMEOUT_SECONDS,
        max_bytes: int = DEFAULT_FETCH_MAX_BYTES,
        ssl_context: Any = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._opener = urllib.request.build_opener(
            _NoRedirect(), urllib.request.HTTPSHandler(context=ssl_context)
        )

    def __call__(self, url: str) -> bytes:
        if urlsplit(url).scheme != "https":
            raise ValueError("certificate chains are only fetched over https")
        with self._opener.open(url, timeout=self.timeout) as response:
            data: bytes = response.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise ValueError(f"certificate chain is larger than {self.max_bytes} bytes")
        return data


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
    """Verifies one Alexa HTTPS request; one instance is shared by all server threads."""

    def __init__(
        self,
        *,
        skill_id: str | None,
        cert_fetcher: Callable[[str], bytes] | None = None,
        trust_roots: list[x509.Certificate] | None = None,
        clock: Callable[[], datetime] | None = None,
        timestamp_tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    ) -> None:
        if trust_roots is not None and not trust_roots:
            raise ValueError("trust_roots must not be empty")
        self.skill_id = skill_id
        self._fetch = cert_fetcher if cert_fetcher is not None else HttpsCertFetcher()
        self._trust_roots = list(trust_roots) if trust_roots is not None else None
        self._clock = clock if clock is not None else (lambda: datetime.now(UTC))
        self.timestamp_tolerance_seconds = timestamp_tolerance_seconds
        self._store: x509_verification.Store | None = None
        self._store_lock = threading.Lock()
        self._cache: OrderedDict[str, _CachedChain] = OrderedDict()
        self._cache_lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise VerificationError unless the request is genuinely from Alexa, fresh, and for this skill.

        Checks needing no network run first, so a bad URL or junk request never triggers a fetch.
        """
        normalised = {str(key).lower(): value for key, value in headers.items()}
        now = self._now()
        chain_url = check_cert_chain_url(normalised.get(CERT_URL_HEADER.lower()))
        signature = decode_signature(normalised.get(SIGNATURE_HEADER.lower()))
        envelope = parse_body(body)
        check_timestamp(envelope, now, self.timestamp_tolerance_seconds)
        check_application_id(envelope, self.skill_id)
        check_signature(self._leaf_key(chain_url, now), signature, body)

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

        The lock is not held while fetching, so one slow fetch does not block requests served from the cache;
        two concurrent misses may both fetch, which is harmless.
        """
        with self._cache_lock:
            cached = self._cache.get(chain_url)
            if cached is not None:
                if cached.not_valid_before <= now <= cached.not_valid_after:
                    self._cache.move_to_end(chain_url)
                    return cached.public_key
                del self._cache[chain_url]
        try:
            pem = self._fetch(chain_url)
        except Exception as exc:
            raise _refuse("could not fetch the signing certificate chain") from exc
        leaf = verify_cert_chain(pem, self._trust_store(), now)
        public_key = rsa_public_key(leaf)
        with self._cache_lock:
            self._cache[chain_url] = _CachedChain(
                public_key, leaf.not_valid_before_utc, leaf.not_valid_after_utc
            )
            self._cache.move_to_end(chain_url)
            while len(self._cache) > CACHE_MAX_ENTRIES:
                self._cache.popitem(last=False)
        return public_key

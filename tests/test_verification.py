"""Alexa request verification: a real test PKI, real signatures, a fixed clock, real HTTPS on 127.0.0.1."""

from __future__ import annotations

import base64
import http.server
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from werkzeug.datastructures import EnvironHeaders

from skill.web.verification import (
    CACHE_MAX_ENTRIES,
    FAILURE_CACHE_SECONDS,
    MAX_JSON_DEPTH,
    HttpsCertFetcher,
    RequestVerifier,
    VerificationError,
    check_cert_chain_url,
    load_certifi_roots,
)

NOW = datetime(2026, 11, 25, 17, 0, 0, tzinfo=UTC)
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api.pem"


# ---------------------------------------------------------------------------------------------------------
# A small test PKI
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    """RSA 2048 key generation is the slow part, so each role's key is made once per module."""
    roles = ("root", "intermediate", "leaf", "rogue")
    return {role: rsa.generate_private_key(public_exponent=65537, key_size=2048) for role in roles}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_cert(
    *,
    subject: str,
    public_key: rsa.RSAPublicKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    ca: bool,
    san: list[x509.GeneralName] | None = None,
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=300),
) -> x509.Certificate:
    """Web-PKI-shaped certificates (key usages, key identifiers) so cryptography's verifier accepts them."""
    issuer_name = issuer.subject if issuer is not None else _name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    if ca:
        usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, critical=True)
    else:
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=True,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, critical=True).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    if san is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Pki:
    keys: dict[str, rsa.RSAPrivateKey]
    root: x509.Certificate
    intermediate: x509.Certificate

    def leaf(self, *, dns_names: list[str] | None = None, issuer: str = "intermediate", **dates: datetime):
        """A leaf for echo-api.amazon.com unless told otherwise; issued by the intermediate by default."""
        names = ["echo-api.amazon.com"] if dns_names is None else dns_names
        san = [x509.DNSName(name) for name in names] if names else None
        issuer_cert = {"intermediate": self.intermediate, "root": self.root, "self": None}[issuer]
        issuer_key = self.keys["leaf" if issuer == "self" else issuer]
        return make_cert(
            subject="echo-api.amazon.com",
            public_key=self.keys["leaf"].public_key(),
            issuer=issuer_cert,
            issuer_key=issuer_key,
            ca=False,
            san=san,
            **dates,
        )


@pytest.fixture(scope="module")
def pki(keys: dict[str, rsa.RSAPrivateKey]) -> Pki:
    root = make_cert(
        subject="Test Root CA",
        public_key=keys["root"].public_key(),
        issuer=None,
        issuer_key=keys["root"],
        ca=True,
    )
    intermediate = make_cert(
        subject="Test Intermediate CA",
        public_key=keys["intermediate"].public_key(),
        issuer=root,
        issuer_key=keys["root"],
        ca=True,
    )
    return Pki(keys=keys, root=root, intermediate=intermediate)


def pem(*certs: x509.Certificate) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)


@dataclass
class Fetcher:
    """Serves one PEM bundle for any URL and records each call, to prove caching and no-fetch-on-bad-URL."""

    bundle: bytes
    urls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.bundle

    @property
    def calls(self) -> int:
        return len(self.urls)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


def envelope(
    *, timestamp: str | None = "2026-11-25T17:00:00Z", app_id: str | None = SKILL_ID, session: bool = True
) -> dict:
    env: dict = {
        "version": "1.0",
        "context": {
            "System": {"application": {"applicationId": app_id}, "user": {"userId": "amzn1.ask.account.X"}}
        },
        "request": {"type": "LaunchRequest", "requestId": "amzn1.echo-api.request.1", "locale": "en-US"},
    }
    if session:
        env["session"] = {"new": True, "sessionId": "s1", "application": {"applicationId": app_id}}
    if timestamp is not None:
        env["request"]["timestamp"] = timestamp
    return env


def body_of(env: dict) -> bytes:
    return json.dumps(env, separators=(",", ":")).encode()


def sign(body: bytes, key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def signed_headers(body: bytes, key: rsa.RSAPrivateKey, url: str | None = CHAIN_URL) -> dict[str, str]:
    headers = {"Signature-256": sign(body, key), "Content-Type": "application/json"}
    if url is not None:
        headers["SignatureCertChainUrl"] = url
    return headers


@pytest.fixture
def good_chain(pki: Pki) -> bytes:
    return pem(pki.leaf(), pki.intermediate)


def make_verifier(pki: Pki, fetcher: Callable[[str], bytes], clock: Clock | None = None, **kw):
    """Every verifier in these tests trusts only the test root and reads a fixed clock."""
    skill_id = kw.pop("skill_id", SKILL_ID)
    return RequestVerifier(
        skill_id=skill_id,
        any_skill=skill_id is None,
        cert_fetcher=fetcher,
        trust_roots=[pki.root],
        clock=clock or Clock(),
        **kw,
    )


def refusal(verifier: RequestVerifier, headers, body: bytes) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        verifier.verify(headers, body)
    return info.value


# ---------------------------------------------------------------------------------------------------------
# Acceptance and caching
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_intermediate", [True, False], ids=["root>intermediate>leaf", "root>leaf"])
def test_accepts_a_correctly_signed_request(pki: Pki, with_intermediate: bool) -> None:
    chain = pem(pki.leaf(), pki.intermediate) if with_intermediate else pem(pki.leaf(issuer="root"))
    fetcher = Fetcher(chain)
    body = body_of(envelope())
    make_verifier(pki, fetcher).verify(signed_headers(body, pki.keys["leaf"]), body)
    assert fetcher.urls == [CHAIN_URL]


def test_second_request_reuses_the_verified_chain(pki: Pki, good_chain: bytes) -> None:
    fetcher = Fetcher(good_chain)
    verifier = make_verifier(pki, fetcher)
    for request_id in ("a", "b", "c"):
        env = envelope()
        env["request"]["requestId"] = request_id
        body = body_of(env)
        verifier.verify(signed_headers(body, pki.keys["leaf"]), body)
    assert fetcher.calls == 1


def test_cached_chain_is_dropped_once_the_leaf_expires(pki: Pki) -> None:
    fetcher = Fetcher(pem(pki.leaf(not_after=NOW + timedelta(hours=1)), pki.intermediate))
    clock = Clock()
    verifier = make_verifier(pki, fetcher, clock)
    body = body_of(envelope())
    verifier.verify(signed_headers(body, pki.keys["leaf"]), body)

    clock.now = NOW + timedelta(hours=2)
    later = body_of(envelope(timestamp="2026-11-25T19:00:00Z"))
    error = refusal(verifier, signed_headers(later, pki.keys["leaf"]), later)
    assert (error.status, fetcher.calls) == (401, 2)
    assert "expired" in error.reason


def test_a_refused_chain_is_remembered_briefly_then_fetched_again(pki: Pki) -> None:
    fetcher = Fetcher(pem(pki.leaf(dns_names=["evil.example.com"]), pki.intermediate))
    clock = Clock()
    verifier = make_verifier(pki, fetcher, clock)
    body = body_of(envelope())
    reasons = {refusal(verifier, signed_headers(body, pki.keys["leaf"]), body).reason for _ in range(5)}
    assert fetcher.calls == 1
    assert len(reasons) == 1 and "echo-api.amazon.com" in reasons.pop()
    clock.now = NOW + timedelta(seconds=FAILURE_CACHE_SECONDS + 1)
    later = body_of(envelope(timestamp=stamp(FAILURE_CACHE_SECONDS + 1)))
    refusal(verifier, signed_headers(later, pki.keys["leaf"]), later)
    assert fetcher.calls == 2


def test_a_replayed_request_with_a_query_string_costs_no_download(pki: Pki, good_chain: bytes) -> None:
    """A genuine request replayed within its 150 s with ?x=N appended: the same certificate, from the cache."""
    fetcher = Fetcher(good_chain)
    verifier = make_verifier(pki, fetcher)
    body = body_of(envelope())
    verifier.verify(signed_headers(body, pki.keys["leaf"]), body)
    for n in range(50):
        verifier.verify(signed_headers(body, pki.keys["leaf"], url=f"{CHAIN_URL}?x={n}"), body)
    assert fetcher.urls == [CHAIN_URL]


@dataclass
class PickyFetcher(Fetcher):
    """Serves the good chain at CHAIN_URL and fails every other URL, as S3 would (403/404)."""

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        if url != CHAIN_URL:
            raise OSError("HTTP 404")
        return self.bundle


def test_bad_chain_urls_cannot_flush_the_good_chain_or_repeat_downloads(pki: Pki, good_chain: bytes) -> None:
    fetcher = PickyFetcher(good_chain)
    verifier = make_verifier(pki, fetcher)
    body = body_of(envelope())
    verifier.verify(signed_headers(body, pki.keys["leaf"]), body)
    bad_urls = [f"https://s3.amazonaws.com/echo.api/nothing-{n}.pem" for n in range(3 * CACHE_MAX_ENTRIES)]
    for _ in range(3):  # the same bad URLs again and again
        for url in bad_urls:
            assert "fetch" in refusal(verifier, signed_headers(body, pki.keys["leaf"], url=url), body).reason
    assert fetcher.calls == 1 + len(bad_urls)  # each bad URL downloaded once, not three times
    verifier.verify(signed_headers(body, pki.keys["leaf"]), body)
    assert fetcher.urls.count(CHAIN_URL) == 1  # the good chain was never pushed out


def test_concurrent_requests_all_pass(pki: Pki, good_chain: bytes) -> None:
    fetcher = Fetcher(good_chain)
    verifier = make_verifier(pki, fetcher)
    body = body_of(envelope())
    headers = signed_headers(body, pki.keys["leaf"])
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: verifier.verify(headers, body), range(32)))
    assert results == [None] * 32
    assert 1 <= fetcher.calls <= 8


@pytest.mark.parametrize(
    "make_headers",
    [
        lambda h: {key.lower(): value for key, value in h.items()},
        lambda h: {key.upper(): value for key, value in h.items()},
        lambda h: EnvironHeaders(
            {"HTTP_" + key.upper().replace("-", "_"): value for key, value in h.items()}
        ),
    ],
    ids=["lowercase-dict", "uppercase-dict", "flask-environ-headers"],
)
def test_header_names_are_case_insensitive(pki: Pki, good_chain: bytes, make_headers) -> None:
    body = body_of(envelope())
    make_verifier(pki, Fetcher(good_chain)).verify(make_headers(signed_headers(body, pki.keys["leaf"])), body)


# ---------------------------------------------------------------------------------------------------------
# Check 1: SignatureCertChainUrl
# ---------------------------------------------------------------------------------------------------------

BAD_URLS = [
    ("http://s3.amazonaws.com/echo.api/echo-api.pem", "https"),
    ("https://notamazon.com/echo.api/echo-api.pem", "host"),
    ("https://s3.amazonaws.com.evil.example/echo.api/echo-api.pem", "host"),
    ("https://s3.amazonaws.com:563/echo.api/echo-api.pem", "port"),
    ("https://s3.amazonaws.com:notaport/echo.api/echo-api.pem", "URL"),
    ("https://s3.amazonaws.com/EcHo.aPi/echo-api.pem", "path"),
    ("https://s3.amazonaws.com/invalid.path/echo-api.pem", "path"),
    ("https://s3.amazonaws.com/echo.api/../invalid.pem", "path"),
    ("https://s3.amazonaws.com/echo.api/%2e%2e/invalid.pem", "path"),
    ("https://s3.amazonaws.com/echo.api", "path"),
    ("https://user@s3.amazonaws.com/echo.api/echo-api.pem", "credentials"),
    ("", "missing"),
    (None, "missing"),
]


@pytest.mark.parametrize(("url", "word"), BAD_URLS, ids=[str(url) for url, _ in BAD_URLS])
def test_refuses_bad_chain_urls_without_fetching(
    pki: Pki, good_chain: bytes, url: str | None, word: str
) -> None:
    fetcher = Fetcher(good_chain)
    body = body_of(envelope())
    error = refusal(make_verifier(pki, fetcher), signed_headers(body, pki.keys["leaf"], url=url), body)
    assert error.status == 401
    assert word in error.reason
    assert "SignatureCertChainUrl" in error.reason
    assert fetcher.calls == 0


GOOD_URLS = [
    "https://s3.amazonaws.com/echo.api/echo-api.pem",
    "https://s3.amazonaws.com/echo.api/echo-api.pem?x=1",
    "https://s3.amazonaws.com/echo.api/echo-api.pem#frag",
    "https://s3.amazonaws.com/echo.api/%65cho-api.pem?versionId=old",
    "HTTPS://s3.amazonaws.com/echo.api/echo-api.pem",
    "https://S3.AMAZONAWS.COM/echo.api/echo-api.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api.pem",
    "https://s3.amazonaws.com/echo.api/./echo-api.pem",
]


@pytest.mark.parametrize("url", GOOD_URLS)
def test_accepts_equivalent_chain_urls_and_fetches_the_normalised_one(
    pki: Pki, good_chain: bytes, url: str
) -> None:
    fetcher = Fetcher(good_chain)
    body = body_of(envelope())
    make_verifier(pki, fetcher).verify(signed_headers(body, pki.keys["leaf"], url=url), body)
    assert fetcher.urls == [CHAIN_URL]
    assert check_cert_chain_url(url) == CHAIN_URL


# ---------------------------------------------------------------------------------------------------------
# Check 2: the certificate chain
# ---------------------------------------------------------------------------------------------------------


def chain_refusal(pki: Pki, chain: bytes) -> VerificationError:
    body = body_of(envelope())
    return refusal(make_verifier(pki, Fetcher(chain)), signed_headers(body, pki.keys["leaf"]), body)


@pytest.mark.parametrize(
    "dns_names",
    [["echo-api.amazon.com.evil.example"], ["evil.example.com"], []],
    ids=["lookalike", "other", "none"],
)
def test_refuses_a_leaf_without_the_echo_api_name(pki: Pki, dns_names: list[str]) -> None:
    error = chain_refusal(pki, pem(pki.leaf(dns_names=dns_names), pki.intermediate))
    assert error.status == 401
    assert "echo-api.amazon.com" in error.reason


def test_refuses_an_expired_leaf(pki: Pki) -> None:
    leaf = pki.leaf(not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(seconds=1))
    error = chain_refusal(pki, pem(leaf, pki.intermediate))
    assert error.status == 401
    assert "expired" in error.reason


def test_refuses_a_leaf_that_is_not_yet_valid(pki: Pki) -> None:
    leaf = pki.leaf(not_before=NOW + timedelta(hours=1), not_after=NOW + timedelta(days=300))
    error = chain_refusal(pki, pem(leaf, pki.intermediate))
    assert error.status == 401
    assert "not yet valid" in error.reason


def test_refuses_a_self_signed_leaf(pki: Pki) -> None:
    error = chain_refusal(pki, pem(pki.leaf(issuer="self")))
    assert error.status == 401
    assert "trusted root" in error.reason


def test_refuses_a_chain_from_an_untrusted_root(pki: Pki) -> None:
    rogue_root = make_cert(
        subject="Test Root CA",  # same name as the trusted root: only the key differs
        public_key=pki.keys["rogue"].public_key(),
        issuer=None,
        issuer_key=pki.keys["rogue"],
        ca=True,
    )
    rogue_leaf = make_cert(
        subject="echo-api.amazon.com",
        public_key=pki.keys["leaf"].public_key(),
        issuer=rogue_root,
        issuer_key=pki.keys["rogue"],
        ca=False,
        san=[x509.DNSName("echo-api.amazon.com")],
    )
    error = chain_refusal(pki, pem(rogue_leaf, rogue_root))
    assert error.status == 401
    assert "trusted root" in error.reason


def test_refuses_a_chain_missing_its_intermediate(pki: Pki) -> None:
    error = chain_refusal(pki, pem(pki.leaf()))
    assert error.status == 401
    assert "trusted root" in error.reason


@pytest.mark.parametrize("bundle", [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_refuses_a_chain_that_is_not_pem(pki: Pki, bundle: bytes) -> None:
    error = chain_refusal(pki, bundle)
    assert error.status == 401
    assert "PEM" in error.reason


def test_refuses_when_the_chain_cannot_be_fetched(pki: Pki) -> None:
    def failing_fetcher(url: str) -> bytes:
        raise TimeoutError(url)

    body = body_of(envelope())
    error = refusal(make_verifier(pki, failing_fetcher), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 401
    assert "fetch" in error.reason


# ---------------------------------------------------------------------------------------------------------
# Check 3: Signature-256
# ---------------------------------------------------------------------------------------------------------


def test_refuses_a_tampered_body(pki: Pki, good_chain: bytes) -> None:
    body = body_of(envelope())
    headers = signed_headers(body, pki.keys["leaf"])
    tampered = body.replace(b"LaunchRequest", b"SessionEndedRequest")
    error = refusal(make_verifier(pki, Fetcher(good_chain)), headers, tampered)
    assert error.status == 401
    assert "signature" in error.reason


def test_refuses_a_signature_made_with_another_key(pki: Pki, good_chain: bytes) -> None:
    body = body_of(envelope())
    error = refusal(make_verifier(pki, Fetcher(good_chain)), signed_headers(body, pki.keys["rogue"]), body)
    assert error.status == 401
    assert "signature" in error.reason


def test_refuses_a_reencoded_body(pki: Pki, good_chain: bytes) -> None:
    """Same JSON, different bytes: the signature is over the raw body, so re-serialising must fail."""
    env = envelope()
    body = body_of(env)
    error = refusal(
        make_verifier(pki, Fetcher(good_chain)),
        signed_headers(body, pki.keys["leaf"]),
        json.dumps(env).encode(),
    )
    assert error.status == 401
    assert "signature" in error.reason


@pytest.mark.parametrize(
    ("value", "word"),
    [(None, "missing"), ("", "missing"), ("not base64!", "base64")],
    ids=["absent", "empty", "junk"],
)
def test_refuses_a_missing_or_junk_signature_without_fetching(
    pki: Pki, good_chain: bytes, value: str | None, word: str
) -> None:
    fetcher = Fetcher(good_chain)
    body = body_of(envelope())
    headers = signed_headers(body, pki.keys["leaf"])
    del headers["Signature-256"]
    if value is not None:
        headers["Signature-256"] = value
    error = refusal(make_verifier(pki, fetcher), headers, body)
    assert error.status == 401
    assert word in error.reason
    assert "Signature-256" in error.reason
    assert fetcher.calls == 0


def test_the_old_sha1_signature_header_alone_is_not_enough(pki: Pki, good_chain: bytes) -> None:
    body = body_of(envelope())
    headers = signed_headers(body, pki.keys["leaf"])
    headers["Signature"] = headers.pop("Signature-256")
    error = refusal(make_verifier(pki, Fetcher(good_chain)), headers, body)
    assert error.status == 401
    assert "Signature-256" in error.reason


# ---------------------------------------------------------------------------------------------------------
# Check 4: timestamp
# ---------------------------------------------------------------------------------------------------------


def stamp(offset_seconds: int) -> str:
    return (NOW + timedelta(seconds=offset_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("offset", [-150, -1, 0, 150], ids=["150s-old", "1s-old", "now", "150s-ahead"])
def test_accepts_timestamps_within_150_seconds(pki: Pki, good_chain: bytes, offset: int) -> None:
    body = body_of(envelope(timestamp=stamp(offset)))
    make_verifier(pki, Fetcher(good_chain)).verify(signed_headers(body, pki.keys["leaf"]), body)


@pytest.mark.parametrize("offset", [-151, 151, -86400], ids=["151s-old", "151s-ahead", "a-day-old"])
def test_refuses_timestamps_outside_150_seconds_without_fetching(
    pki: Pki, good_chain: bytes, offset: int
) -> None:
    fetcher = Fetcher(good_chain)
    body = body_of(envelope(timestamp=stamp(offset)))
    error = refusal(make_verifier(pki, fetcher), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 401
    assert "timestamp" in error.reason
    assert fetcher.calls == 0


def test_accepts_a_timestamp_with_milliseconds_and_offset(pki: Pki, good_chain: bytes) -> None:
    body = body_of(envelope(timestamp="2026-11-25T18:00:30.250+01:00"))
    make_verifier(pki, Fetcher(good_chain)).verify(signed_headers(body, pki.keys["leaf"]), body)


@pytest.mark.parametrize(
    ("timestamp", "word"),
    [(None, "missing"), ("yesterday", "ISO 8601"), ("2026-11-25T17:00:00", "time zone")],
    ids=["missing", "unparseable", "naive"],
)
def test_malformed_timestamps_are_bad_requests(
    pki: Pki, good_chain: bytes, timestamp: str | None, word: str
) -> None:
    body = body_of(envelope(timestamp=timestamp))
    error = refusal(make_verifier(pki, Fetcher(good_chain)), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 400
    assert "timestamp" in error.reason
    assert word in error.reason


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b"[1, 2]", b"\xff\xfe"], ids=["empty", "broken", "list", "binary"]
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(pki: Pki, good_chain: bytes, body: bytes) -> None:
    error = refusal(make_verifier(pki, Fetcher(good_chain)), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 400
    assert "JSON" in error.reason


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
def test_a_body_nested_too_deep_is_a_bad_request_not_a_recursion_error(
    pki: Pki, good_chain: bytes, depth: int
) -> None:
    env = envelope()
    env["session"]["attributes"] = {}
    body = body_of(env).replace(b'"attributes":{}', b'"attributes":' + b"[" * depth + b"]" * depth)
    fetcher = Fetcher(good_chain)
    error = refusal(make_verifier(pki, fetcher), signed_headers(body, pki.keys["leaf"]), body)
    assert (error.status, fetcher.calls) == (400, 0)
    assert "nested" in error.reason


# ---------------------------------------------------------------------------------------------------------
# Check 5: skill id
# ---------------------------------------------------------------------------------------------------------


def test_refuses_another_skills_request(pki: Pki, good_chain: bytes) -> None:
    fetcher = Fetcher(good_chain)
    body = body_of(envelope(app_id="amzn1.ask.skill.someone-else"))
    error = refusal(make_verifier(pki, fetcher), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 403
    assert "skill id" in error.reason


def test_an_unsigned_request_cannot_probe_the_skill_id(pki: Pki, good_chain: bytes) -> None:
    """Right and wrong ids get the same 401 when the signature is bad: the id is checked after it."""
    verifier = make_verifier(pki, Fetcher(good_chain))
    answers = set()
    for app_id in (SKILL_ID, "amzn1.ask.skill.a-guess"):
        body = body_of(envelope(app_id=app_id))
        error = refusal(verifier, signed_headers(body, pki.keys["rogue"]), body)
        answers.add((error.status, error.reason))
    assert answers == {(401, "request signature does not match the body")}


def test_a_verifier_without_a_skill_id_must_be_told_to_accept_any_skill() -> None:
    with pytest.raises(ValueError, match="SPINE_COACH_SKILL_ID"):
        RequestVerifier(skill_id=None)
    with pytest.raises(ValueError, match="skill id is required"):
        RequestVerifier(skill_id="")
    assert RequestVerifier(skill_id=None, any_skill=True).skill_id is None


def test_refuses_a_request_without_an_application_id(pki: Pki, good_chain: bytes) -> None:
    body = body_of(envelope(app_id=None))
    error = refusal(make_verifier(pki, Fetcher(good_chain)), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 403
    assert "skill id" in error.reason


def test_falls_back_to_the_session_application_id(pki: Pki, good_chain: bytes) -> None:
    env = envelope()
    del env["context"]
    body = body_of(env)
    make_verifier(pki, Fetcher(good_chain)).verify(signed_headers(body, pki.keys["leaf"]), body)


def test_context_application_id_wins_over_session(pki: Pki, good_chain: bytes) -> None:
    env = envelope(app_id="amzn1.ask.skill.someone-else")
    env["session"]["application"]["applicationId"] = SKILL_ID
    body = body_of(env)
    error = refusal(make_verifier(pki, Fetcher(good_chain)), signed_headers(body, pki.keys["leaf"]), body)
    assert error.status == 403


def test_without_a_skill_id_any_skill_is_accepted(pki: Pki, good_chain: bytes) -> None:
    body = body_of(envelope(app_id="amzn1.ask.skill.someone-else", session=False))
    make_verifier(pki, Fetcher(good_chain), skill_id=None).verify(
        signed_headers(body, pki.keys["leaf"]), body
    )


# ---------------------------------------------------------------------------------------------------------
# Defaults: certifi roots and the HTTPS fetcher (real TLS on 127.0.0.1)
# ---------------------------------------------------------------------------------------------------------


def test_certifi_roots_include_amazons_root_and_load_without_warnings(
    recwarn: pytest.WarningsRecorder,
) -> None:
    roots = load_certifi_roots()
    names = {root.subject.rfc4514_string() for root in roots}
    assert "CN=Amazon Root CA 1,O=Amazon,C=US" in names
    assert len(roots) > 50
    assert not [w for w in recwarn if "serial" in str(w.message)]


def test_empty_trust_roots_are_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="trust_roots"):
        RequestVerifier(skill_id=SKILL_ID, trust_roots=[])


@pytest.fixture
def https_server(pki: Pki, tmp_path: Path) -> Iterator[str]:
    """A TLS server on 127.0.0.1 with a certificate from the test root, serving a chain, a huge file and a
    redirect."""
    server_key = pki.keys["rogue"]
    server_cert = make_cert(
        subject="localhost",
        public_key=server_key.public_key(),
        issuer=pki.root,
        issuer_key=pki.keys["root"],
        ca=False,
        san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1"))],
    )
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert_file.write_bytes(pem(server_cert))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    chain = pem(pki.leaf(), pki.intermediate)

    class Handler(http.server.BaseHTTPRequestHandler):
        def trickle(self, data: bytes) -> None:
            """A byte every 0.1 s: never idle long enough for a per-read timeout, slow for 20 s in all."""
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)

        def do_GET(self) -> None:
            if self.path == "/trickle-headers":
                self.trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n")
                return
            if self.path == "/trickle-body":
                self.send_response(200)
                self.send_header("Content-Length", "200")
                self.end_headers()
                self.trickle(b"b" * 200)
                return
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/echo.api/echo-api.pem")
                self.end_headers()
                return
            payload = chain if self.path == "/echo.api/echo-api.pem" else b"A" * 200_000
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True  # a trickling handler ends when its client hangs up; no need to wait for it
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def client_context(pki: Pki) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=pem(pki.root).decode())


def test_https_fetcher_downloads_the_chain(
    https_server: str, client_context: ssl.SSLContext, pki: Pki
) -> None:
    data = HttpsCertFetcher(ssl_context=client_context)(f"{https_server}/echo.api/echo-api.pem")
    assert [cert.subject for cert in x509.load_pem_x509_certificates(data)] == [
        pki.leaf().subject,
        pki.intermediate.subject,
    ]


def test_https_fetcher_caps_the_size(https_server: str, client_context: ssl.SSLContext) -> None:
    with pytest.raises(ValueError, match="larger than"):
        HttpsCertFetcher(ssl_context=client_context, max_bytes=65536)(f"{https_server}/huge")


def test_https_fetcher_does_not_follow_redirects(https_server: str, client_context: ssl.SSLContext) -> None:
    with pytest.raises(OSError, match="302"):
        HttpsCertFetcher(ssl_context=client_context)(f"{https_server}/redirect")


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_https_fetcher_has_one_deadline_for_the_whole_download(
    https_server: str, client_context: ssl.SSLContext, path: str
) -> None:
    """A server sending a byte every 0.1 s for 20 s never trips a 1 s per-read timeout; the deadline stops it."""
    fetcher = HttpsCertFetcher(ssl_context=client_context, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"longer than 1\.0 s"):
        fetcher(f"{https_server}{path}")
    assert time.monotonic() - started < 8  # a generous ceiling: the trickle alone would take 20 s


def test_https_fetcher_bounds_dns_resolution(client_context: ssl.SSLContext) -> None:
    """getaddrinfo cannot be interrupted; the fetcher stops waiting for it at the deadline."""
    release = threading.Event()
    asked: list[str] = []

    def hanging_resolver(host: str, port: int) -> list:
        asked.append(host)
        release.wait(60)
        return []

    fetcher = HttpsCertFetcher(ssl_context=client_context, timeout=1.0, resolve=hanging_resolver)
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match=r"resolving s3\.amazonaws\.com"):
            fetcher(CHAIN_URL)
        assert time.monotonic() - started < 8
    finally:
        release.set()
    assert asked == ["s3.amazonaws.com"]


def test_https_fetcher_refuses_plain_http() -> None:
    with pytest.raises(ValueError, match="https"):
        HttpsCertFetcher()("http://127.0.0.1:1/echo.api/echo-api.pem")


# ---------------------------------------------------------------------------------------------------------
# The verifier in front of the real skill, over real HTTP on 127.0.0.1 (what `serve --verify` runs)
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def verified_server(pki: Pki, good_chain: bytes):
    from skill.assembly import build_skill
    from skill.web.app import create_app
    from tests.conftest import Server

    app = create_app(build_skill("memory://", skill_id=SKILL_ID), verifier=make_verifier(pki, Fetcher(good_chain)))
    with Server(app) as server:
        yield f"{server.url}/"


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_signed_request_reaches_the_skill_and_a_forged_one_does_not(verified_server: str, pki: Pki) -> None:
    env = envelope()
    env["context"]["System"]["device"] = {"deviceId": "amzn1.ask.device.X", "supportedInterfaces": {}}
    env["session"]["user"] = {"userId": "amzn1.ask.account.X"}
    env["session"]["attributes"] = {}
    body = body_of(env)
    status, answer = post(verified_server, body, signed_headers(body, pki.keys["leaf"]))
    assert status == 200
    assert answer["response"]["outputSpeech"]["ssml"].startswith("<speak>Welcome")
    forged = body.replace(b"LaunchRequest", b"IntentRequest")
    status, refused = post(verified_server, forged, signed_headers(body, pki.keys["leaf"]))
    assert status == 401
    assert "signature" in refused["error"]
    status, refused = post(verified_server, body, {"Content-Type": "application/json"})
    assert status == 401 and "response" not in refused

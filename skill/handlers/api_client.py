"""The ASK SDK's HTTP client with a time limit: DefaultApiClient calls ``requests`` without a timeout, so a
service that never answers would hang the turn until Lambda kills it. Imported lazily (``requests`` costs
cold start), on the first turn that really calls an Alexa API.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.api_client import DefaultApiClient
from ask_sdk_core.exceptions import ApiClientException
from ask_sdk_model.services import ApiClientRequest, ApiClientResponse
from urllib3.util import parse_url

# Plain HTTP only to this machine: the local fake of the Alexa API in tests and the simulator.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# urllib3 logs every request line at DEBUG, and Alexa's URLs hold the device id: never below INFO.
logging.getLogger("urllib3.connectionpool").setLevel(max(logging.INFO, logging.getLogger("urllib3").level))


class TimedApiClient(DefaultApiClient):
    """DefaultApiClient's behaviour, plus a timeout on every call (``timeout_of()`` decides it per call)."""

    def __init__(self, timeout_of: Any) -> None:
        self.timeout_of = timeout_of

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        try:
            method = self._resolve_method(request)
            headers = self._convert_list_tuples_to_dict(headers_list=request.headers)
            url = parse_url(request.url)
            if url.scheme != "https" and not (url.scheme == "http" and url.host in LOOPBACK):
                raise ApiClientException("Requests against non-HTTPS endpoints are not allowed.")
            data = None
            if request.body:
                kind = headers.get("Content-type") or headers.get("Content-Type") or ""
                data = json.dumps(request.body) if "json" in kind else request.body
            response = method(url=request.url, headers=headers, data=data, timeout=self.timeout_of())
            return ApiClientResponse(headers=self._convert_dict_to_list_tuples(response.headers),
                                     status_code=response.status_code, body=response.text)
        except ApiClientException:
            raise
        except Exception as exc:  # timeouts, refused connections, TLS: one exception type, as the SDK's own
            raise ApiClientException(f"Error executing the request: {type(exc).__name__}: {exc}") from exc

"""DynamoDB on boto3's low-level client: versioned writes, and every call sized to the turn's time budget.

The ASK SDK's ``DynamoDbAdapter`` replaces the whole item on every write (the last writer wins, so two
devices erase each other's progress) and cannot express a condition; this adapter keeps its item shape
(partition key ``id``, the attributes map under ``attributes``) and its interface, and adds a ``version``
number that each write checks with a ConditionExpression and increments.

Time: Alexa waits 8 s, and the user should hear an answer within 3 s whatever DynamoDB does. botocore's
own defaults (60 s read timeout, 3 or 4 attempts with back-off) could hold a turn far longer, so each
call gets a client whose connect and read timeouts and attempt count fit the seconds it may take
(``total_max_attempts`` counts the first try; the first retry may wait up to 1 s of back-off). Clients are
cached per tenth-of-a-second bucket, so a warm turn builds none.

The table (on-demand, point-in-time recovery, encrypted) comes from template.yaml; it is never created
here. DynamoDB holds numbers as Decimal; ``Profile.from_dict`` turns them back into int.
"""

from __future__ import annotations

import json
import math
import os
import threading
from decimal import Decimal
from typing import Any

from ask_sdk_core.exceptions import PersistenceException

from skill.persistence.base import VERSION, StoreAdapter, VersionConflict

KEY = "id"
ATTRIBUTES = "attributes"
DEFAULT_BUDGET = 2.0  # seconds, for calls made without a turn's budget (the ASK interface, the probe)
RETRY_BACKOFF = 1.0  # botocore standard mode: the first retry waits rand(0, 1) * 1 s


def call_shape(budget: float) -> tuple[float, float, int]:
    """(connect timeout, read timeout, total attempts) whose worst case stays within ``budget`` seconds:
    attempts x (connect + read) + back-off between them."""
    attempts = 2 if budget >= 2.5 else 1
    per_attempt = (budget - RETRY_BACKOFF * (attempts - 1)) / attempts
    connect = math.floor(max(0.1, min(0.5, per_attempt / 3)) * 10) / 10
    read = math.floor(max(0.1, per_attempt - connect) * 10) / 10
    return connect, read, attempts


class DynamoDbStore(StoreAdapter):
    def __init__(self, table: str, region: str) -> None:
        self.table = table
        self.region = region
        self._clients: dict[tuple[float, float, int], Any] = {}
        self._lock = threading.Lock()
        import boto3
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        self._session = boto3.session.Session(region_name=region)
        self._serialize = TypeSerializer().serialize
        self._deserialize = TypeDeserializer().deserialize

    def client(self, budget: float | None) -> Any:
        shape = call_shape(DEFAULT_BUDGET if budget is None else budget)
        client = self._clients.get(shape)
        if client is None:
            from botocore.config import Config

            connect, read, attempts = shape
            config = Config(connect_timeout=connect, read_timeout=read,
                            retries={"total_max_attempts": attempts, "mode": "standard"})
            with self._lock:  # boto3 sessions are not thread-safe while they build clients
                client = self._clients.setdefault(shape, self._session.client("dynamodb", config=config))
        return client

    def read(self, key: str, budget: float | None = None) -> dict[str, Any]:
        try:
            response = self.client(budget).get_item(TableName=self.table, Key={KEY: {"S": key}},
                                                    ConsistentRead=True)
        except Exception as exc:
            raise PersistenceException(f"DynamoDB read failed: {type(exc).__name__}: {exc}") from exc
        item = response.get("Item")
        if not item:
            return {}
        raw = item.get(ATTRIBUTES)
        try:
            value = self._deserialize(raw) if isinstance(raw, dict) else {}
        except Exception:  # an item written by hand or another tool: no usable progress, repaired on write
            value = {}
        version = item.get(VERSION, {}).get("N") if isinstance(item.get(VERSION), dict) else None
        try:
            number = int(version) if version is not None else 0
        except ValueError:
            number = 0
        return {**(value if isinstance(value, dict) else {}), VERSION: number}

    def write(self, key: str, attributes: dict[str, Any], expected: int | None, budget: float | None = None) -> int:
        # DynamoDB rejects floats; a JSON round trip turns them into Decimal (and drops non-JSON values).
        body = json.loads(json.dumps({k: v for k, v in attributes.items() if k != VERSION}, default=str),
                          parse_float=Decimal)
        item = {KEY: {"S": key}, ATTRIBUTES: self._serialize(body)}
        client = self.client(budget)
        try:
            if expected is None:  # unconditional, yet still one step up the versions, atomically
                response = client.update_item(
                    TableName=self.table, Key={KEY: {"S": key}}, UpdateExpression="SET #a = :a ADD #v :one",
                    ExpressionAttributeNames={"#a": ATTRIBUTES, "#v": VERSION},
                    ExpressionAttributeValues={":a": item[ATTRIBUTES], ":one": {"N": "1"}},
                    ReturnValues="UPDATED_NEW")
                return int(response["Attributes"][VERSION]["N"])
            item[VERSION] = {"N": str(expected + 1)}
            condition = "#v = :v" if expected else "attribute_not_exists(#v) OR #v = :v"
            client.put_item(TableName=self.table, Item=item, ConditionExpression=condition,
                            ExpressionAttributeNames={"#v": VERSION},
                            ExpressionAttributeValues={":v": {"N": str(expected)}})
        except client.exceptions.ConditionalCheckFailedException as exc:
            raise VersionConflict("the item changed since it was read") from exc
        except PersistenceException:
            raise
        except Exception as exc:
            raise PersistenceException(f"DynamoDB write failed: {type(exc).__name__}: {exc}") from exc
        return expected + 1

    def delete(self, key: str) -> None:
        try:
            self.client(None).delete_item(TableName=self.table, Key={KEY: {"S": key}})
        except Exception as exc:
            raise PersistenceException(f"DynamoDB delete failed: {type(exc).__name__}: {exc}") from exc


def dynamodb_adapter(table: str) -> DynamoDbStore:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return DynamoDbStore(table, region)

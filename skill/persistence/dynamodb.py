"""DynamoDB through the ASK SDK's own adapter, with its known traps avoided.

``ask_sdk_dynamodb.adapter`` builds a boto3 resource at import (fails without a region, escapes moto),
so it is imported here, lazily, and always given our resource. ``create_table`` stays False: the table
(on-demand, point-in-time recovery, encrypted) comes from template.yaml, never a provisioned 5/5 one.
Numbers come back as Decimal; ``Profile.from_dict`` turns them back into int.
"""

from __future__ import annotations

import os
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter


def dynamodb_adapter(table: str) -> AbstractPersistenceAdapter:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    os.environ.setdefault("AWS_DEFAULT_REGION", region)  # the adapter module's import-time resource needs one
    import boto3
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    from botocore.config import Config

    # Alexa waits 8 s in all: a stalled store call must fail fast and leave time for the spoken answer,
    # which then comes from the session attributes.
    config = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"})
    resource = boto3.resource("dynamodb", region_name=region, config=config)
    from ask_sdk_core.exceptions import PersistenceException

    class ProgressTable(DynamoDbAdapter):
        """The SDK's adapter, except that an item without a usable ``attributes`` map (written by hand or by
        another tool) reads as no progress instead of failing every read, which would block every save."""

        def get_attributes(self, request_envelope: Any) -> dict[str, Any]:
            try:
                response = self.dynamodb.Table(self.table_name).get_item(
                    Key={self.partition_key_name: self.partition_keygen(request_envelope)}, ConsistentRead=True)
            except Exception as exc:
                raise PersistenceException(f"DynamoDB read failed: {type(exc).__name__}") from exc
            value = response.get("Item", {}).get(self.attribute_name, {})
            return value if isinstance(value, dict) else {}

    return ProgressTable(table_name=table, create_table=False, dynamodb_resource=resource)

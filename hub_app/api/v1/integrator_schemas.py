"""Bodies of the integrator routes: API keys, webhook endpoints and their delivery log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hub_app.api.v1.schemas import Input, Text
from hub_app.domain.api_keys.models import ApiKey
from hub_app.domain.outbound_webhooks.endpoints import ALL_EVENTS
from hub_app.domain.outbound_webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EventName = Literal[ALL_EVENTS]  # type: ignore[valid-type]


class ApiKeyIn(Input):
    name: Text(100, 1)
    scope: Literal["read", "read_write"]


class ApiKeyOut(BaseModel):
    id: int
    name: str
    scope: str
    prefix: str = Field(description="The key's public start, to tell keys apart; never the secret.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The whole key. Shown this once: store it now.")


def api_key_out(row: ApiKey, key: str | None = None) -> ApiKeyOut | ApiKeyCreatedOut:
    values = dict(id=row.id, name=row.name, scope=getattr(row.scope, "value", row.scope), prefix=row.display_prefix,
                  created_at=row.created_at, last_used_at=row.last_used_at, revoked_at=row.revoked_at)
    return ApiKeyCreatedOut(key=key, **values) if key is not None else ApiKeyOut(**values)


class EndpointIn(Input):
    url: Text(500, 1) = Field(description="https:// and a public address (http://localhost is allowed in development).")
    event_types: list[EventName] = Field(min_length=1, max_length=len(ALL_EVENTS))
    description: Text(200) = ""


class EndpointPatch(Input):
    url: Text(500, 1) | None = None
    event_types: list[EventName] | None = Field(None, min_length=1, max_length=len(ALL_EVENTS))
    description: Text(200) | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    created_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, the old secret also signs until then.")


class EndpointSecretOut(EndpointOut):
    secret: str = Field(description="The signing secret. Shown this once: store it now.")


def endpoint_out(row: WebhookEndpoint, secret: str | None = None) -> EndpointOut | EndpointSecretOut:
    values = dict(id=row.id, url=row.url, description=row.description, event_types=row.events, enabled=row.enabled,
                  created_at=row.created_at, previous_secret_expires_at=row.previous_secret_expires_at)
    return EndpointSecretOut(secret=secret, **values) if secret is not None else EndpointOut(**values)


class AttemptOut(BaseModel):
    number: int
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_body: str | None = Field(description="The receiver's answer, cut to 1,000 characters.")


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryDetailOut(DeliveryOut):
    payload: dict
    attempt_log: list[AttemptOut]


def delivery_out(row: WebhookDelivery, attempts: list[WebhookAttempt] | None = None) -> DeliveryOut:
    values = dict(id=row.id, endpoint_id=row.endpoint_id, event_id=row.event_id, event_type=row.event_type,
                  status=getattr(row.status, "value", row.status), attempts=row.attempts,
                  next_attempt_at=row.next_attempt_at, last_status_code=row.last_status_code,
                  last_error=row.last_error, delivered_at=row.delivered_at, created_at=row.created_at)
    if attempts is None:
        return DeliveryOut(**values)
    return DeliveryDetailOut(payload=json.loads(row.payload), attempt_log=[
        AttemptOut(number=a.number, at=a.created_at, status_code=a.status_code, duration_ms=a.duration_ms,
                   error=a.error, response_body=a.response_body) for a in attempts], **values)

"""A store's API keys and outbound webhook endpoints, with the delivery log and resend.

API keys are made and revoked only by a signed-in manager or admin, never with an API key (a
leaked key must not be able to mint others). Webhook endpoints may also be managed with a
read_write key, so an integration can subscribe itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from hub_app import db as hub_db
from hub_app.api.v1.deps import StoreScope, operation_id, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.integrator_schemas import (
    ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, DeliveryDetailOut, DeliveryOut, EndpointIn, EndpointOut, EndpointPatch,
    EndpointSecretOut, api_key_out, delivery_out, endpoint_out,
)
from hub_app.api.v1.schemas import PathId
from hub_app.domain.api_keys import service as api_keys
from hub_app.domain.errors import PermissionDenied
from hub_app.domain.outbound_webhooks import delivery_log, endpoints, sending
from hub_app.i18n import t

router = APIRouter(prefix="/stores/{slug}", tags=["integrations"], generate_unique_id_function=operation_id)
READ_ERRORS = error_responses(401, 403, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 422)


def _person(scope: StoreScope) -> None:
    if scope.caller.api_key is not None:
        raise PermissionDenied(t("api.key_person_only", scope.caller.locale))


# --- API keys ---------------------------------------------------------------------------------


@router.get("/api-keys", response_model=list[ApiKeyOut], responses=READ_ERRORS)
def list_api_keys(scope: StoreScope = Depends(signed_in_store_scope),
                  include_revoked: bool = False) -> list[ApiKeyOut]:
    """The store's API keys (prefix, scope, last use), never their secrets."""
    _person(scope)
    with hub_db.unit_of_work(scope.ctx) as db:
        return [api_key_out(k) for k in api_keys.list_api_keys(db, scope.ctx, include_revoked=include_revoked)]


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreatedOut, responses=WRITE_ERRORS)
def create_api_key(body: ApiKeyIn, scope: StoreScope = Depends(signed_in_store_scope)) -> ApiKeyCreatedOut:
    """Make a key; the answer's `key` is shown this once."""
    _person(scope)
    with hub_db.unit_of_work(scope.ctx) as db:
        made = api_keys.create_api_key(db, scope.ctx, body.name, body.scope)
        return api_key_out(db.get(api_keys.ApiKey, made.id), made.key)


@router.delete("/api-keys/{key_id}", status_code=204, responses=WRITE_ERRORS)
def revoke_api_key(key_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> Response:
    """Revoke a key: requests with it answer 401 from now on."""
    _person(scope)
    with hub_db.unit_of_work(scope.ctx) as db:
        api_keys.revoke_api_key(db, scope.ctx, key_id)
    return Response(status_code=204)


# --- webhook endpoints --------------------------------------------------------------------------


@router.get("/webhook-endpoints", response_model=list[EndpointOut], responses=READ_ERRORS)
def list_webhook_endpoints(scope: StoreScope = Depends(signed_in_store_scope)) -> list[EndpointOut]:
    with hub_db.unit_of_work(scope.ctx) as db:
        return [endpoint_out(e) for e in endpoints.list_endpoints(db, scope.ctx)]


@router.post("/webhook-endpoints", status_code=201, response_model=EndpointSecretOut, responses=WRITE_ERRORS)
def create_webhook_endpoint(body: EndpointIn, scope: StoreScope = Depends(signed_in_store_scope)) -> EndpointSecretOut:
    """Register a URL for the chosen events; the answer's `secret` (signing key) is shown this once."""
    with hub_db.unit_of_work(scope.ctx) as db:
        made = endpoints.create_endpoint(db, scope.ctx, body.url, list(body.event_types), body.description)
        return endpoint_out(made.endpoint, made.secret)


@router.patch("/webhook-endpoints/{endpoint_id}", response_model=EndpointOut, responses=WRITE_ERRORS)
def edit_webhook_endpoint(endpoint_id: PathId, body: EndpointPatch,
                          scope: StoreScope = Depends(signed_in_store_scope)) -> EndpointOut:
    """Change the URL, events or description, or enable/disable (disabling cancels what waits)."""
    with hub_db.unit_of_work(scope.ctx) as db:
        row = endpoints.update_endpoint(
            db, scope.ctx, endpoint_id, url=body.url, description=body.description, enabled=body.enabled,
            event_types=list(body.event_types) if body.event_types is not None else None)
        return endpoint_out(row)


@router.post("/webhook-endpoints/{endpoint_id}/rotate-secret", response_model=EndpointSecretOut,
             responses=WRITE_ERRORS)
def rotate_webhook_secret(endpoint_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> EndpointSecretOut:
    """A new signing secret, shown this once; the old one also signs for 24 hours."""
    with hub_db.unit_of_work(scope.ctx) as db:
        made = endpoints.rotate_secret(db, scope.ctx, endpoint_id)
        return endpoint_out(made.endpoint, made.secret)


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204, responses=WRITE_ERRORS)
def delete_webhook_endpoint(endpoint_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> Response:
    with hub_db.unit_of_work(scope.ctx) as db:
        endpoints.delete_endpoint(db, scope.ctx, endpoint_id)
    return Response(status_code=204)


# --- delivery log -------------------------------------------------------------------------------


@router.get("/webhook-deliveries", response_model=list[DeliveryOut], responses=READ_ERRORS)
def list_webhook_deliveries(
    scope: StoreScope = Depends(signed_in_store_scope),
    endpoint_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DeliveryOut]:
    """Newest first."""
    with hub_db.unit_of_work(scope.ctx) as db:
        rows = delivery_log.recent_deliveries(db, scope.ctx, endpoint_id=endpoint_id, limit=limit, offset=offset)
        return [delivery_out(r) for r in rows]


@router.get("/webhook-deliveries/{delivery_id}", response_model=DeliveryDetailOut, responses=READ_ERRORS)
def read_webhook_delivery(delivery_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> DeliveryDetailOut:
    """The event as sent, and every attempt (status, duration, the receiver's answer)."""
    with hub_db.unit_of_work(scope.ctx) as db:
        row, attempts = delivery_log.delivery_attempts(db, scope.ctx, delivery_id)
        return delivery_out(row, attempts)


@router.post("/webhook-deliveries/{delivery_id}/resend", response_model=DeliveryOut, responses=WRITE_ERRORS)
def resend_webhook_delivery(delivery_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> DeliveryOut:
    """Send the same event (same id and body) again, with a fresh allowance of attempts."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return delivery_out(sending.resend(db, scope.ctx, delivery_id))

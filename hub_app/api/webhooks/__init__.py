"""Provider webhooks under /webhooks: verify the signature, record to the inbox, enqueue, answer.

Each provider has its own module with a `router` (fastapi.APIRouter); list it here.
"""

from __future__ import annotations

from fastapi import APIRouter

from hub_app.api.webhooks import calendly, easysms, stripe

PROVIDERS = (stripe, calendly, easysms)

router = APIRouter(prefix="/webhooks", include_in_schema=False)
for _provider in PROVIDERS:
    router.include_router(_provider.router)

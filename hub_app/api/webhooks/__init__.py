"""Provider webhooks under /webhooks: verify the signature, record to the inbox, enqueue, answer.

Each provider has its own module with a `router` (fastapi.APIRouter); list it here.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter

PROVIDER_MODULES: list[str] = [
    "hub_app.api.webhooks.stripe",
    "hub_app.api.webhooks.calendly",
    "hub_app.api.webhooks.easysms",
]

router = APIRouter(prefix="/webhooks", include_in_schema=False)
for _module_path in PROVIDER_MODULES:
    router.include_router(importlib.import_module(_module_path).router)

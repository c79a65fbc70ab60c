"""Server time of the HTTP side: availability and booking (/api/v1), Stripe webhook intake
(/webhooks/stripe), the admin's list pages and analytics (/admin).

Requests go to the real ASGI app (`create_api()`: routing, middleware, security, FastAPI's
validation, SQLAdmin's templates) in this process through httpx.ASGITransport, so a figure is
the app's own time for the request with no network or server loop in it. The same functions
drive a served app over real HTTP for the memory figures (memory.py).

Availability is asked for a different day (or 31-day range) on each call: the public answers
are cached per availability version, and a repeated question would time the cache, not the work.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import date, timedelta

import httpx

from bench.scale.load import SCALE_PASSWORD
from bench.scale.page_figures import StoreUnderTest
from bench.scale.timing import Figure, Timer

WEBHOOK_SECRET = "whsec_scale_bench"
ADMIN_EMAIL = "admin@scale.example"


def _ok(response: httpx.Response) -> bool:
    return response.status_code < 400


async def availability_figures(client: httpx.AsyncClient, store: StoreUnderTest, today: date,
                               timer: Timer) -> list[Figure]:
    url = f"/api/v1/stores/{store.slug}/services/{store.service_id}/availability"
    days = iter(range(1, 10_000))

    async def one_day() -> httpx.Response:
        day = (today + timedelta(days=1 + next(days) % 55)).isoformat()
        return await client.get(url, params={"start": day, "end": day})

    months = iter(range(10_000))

    async def month() -> httpx.Response:
        first = today + timedelta(days=next(months) % 29)
        return await client.get(url, params={"start": first.isoformat(), "end": (first + timedelta(days=30)).isoformat()})

    return [await timer.run_async(Figure("availability: 1 day", "availability", store.label), one_day, _ok),
            await timer.run_async(Figure("availability: 31 days", "availability", store.label), month, _ok)]


async def _free_starts(client: httpx.AsyncClient, store: StoreUnderTest, today: date) -> list[str]:
    """One free start a day over the next two months (spread out: plan limits count per month)."""
    url = f"/api/v1/stores/{store.slug}/services/{store.service_id}/availability"
    starts: list[str] = []
    for first in (today + timedelta(days=2), today + timedelta(days=32)):
        response = await client.get(url, params={"start": first.isoformat(),
                                                 "end": (first + timedelta(days=27)).isoformat()})
        response.raise_for_status()
        by_day: dict[str, list[str]] = {}
        for slot in response.json():
            by_day.setdefault(slot["start"][:10], []).append(slot["start"])
        # Several per day for small stores (few days open), the middle of the day first.
        for offset in range(0, 40, 3):
            starts += [slots[(len(slots) // 2 + offset) % len(slots)] for slots in by_day.values() if len(slots) > offset]
    return list(dict.fromkeys(starts))


async def booking_figures(client: httpx.AsyncClient, store: StoreUnderTest, today: date,
                          timer: Timer) -> list[Figure]:
    starts = iter(await _free_starts(client, store, today))
    token = await client.post("/api/v1/auth/token", json={"email": store.client_email, "password": SCALE_PASSWORD})
    token.raise_for_status()
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    url = f"/api/v1/stores/{store.slug}/bookings"

    async def signed_in() -> httpx.Response:
        return await client.post(url, headers=bearer, json={"service_id": store.service_id, "start": next(starts)})

    async def registering() -> httpx.Response:
        who = uuid.uuid4().hex[:12]
        return await client.post(url, json={
            "service_id": store.service_id, "start": next(starts),
            "client": {"first_name": "New", "last_name": "Client", "age": 30, "email": f"new-{who}@scale.example",
                       "phone": "+306900000000", "address": "1 Test street", "password": f"pw-{who}-long-enough",
                       "locale": "en"}})

    return [await timer.run_async(Figure("booking: signed in", "booking", store.label), signed_in, _ok),
            await timer.run_async(Figure("booking: registering", "booking", store.label), registering, _ok)]


def stripe_delivery(run: str, n: int) -> tuple[bytes, str]:
    event = {"id": f"evt_scale_{run}_{n}", "object": "event", "type": "payment_intent.succeeded",
             "api_version": "2026-10-28.endive", "created": int(time.time()), "livemode": False,
             "data": {"object": {"id": f"pi_scale_{run}_{n}", "object": "payment_intent", "amount": 1500,
                                 "currency": "eur", "metadata": {}}}}
    payload = json.dumps(event).encode()
    stamp = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={stamp},v1={mac}"


async def webhook_figures(client: httpx.AsyncClient, timer: Timer) -> list[Figure]:
    run = uuid.uuid4().hex[:8]
    numbers = iter(range(1_000_000))

    async def deliver() -> httpx.Response:
        payload, signature = stripe_delivery(run, next(numbers))
        return await client.post("/webhooks/stripe", content=payload,
                                 headers={"Stripe-Signature": signature, "Content-Type": "application/json"})

    return [await timer.run_async(Figure("Stripe webhook intake", "webhook", "platform"), deliver, _ok)]


async def admin_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.post("/admin/login", data={"username": ADMIN_EMAIL, "password": SCALE_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"admin sign-in failed: {response.status_code} {response.text[:300]}")


async def admin_figures(client: httpx.AsyncClient, timer: Timer) -> list[Figure]:
    """Every list page the admin's menu links to (first page, default order), the dashboard and
    the analytics page."""
    await admin_sign_in(client)
    home = await client.get("/admin/")
    home.raise_for_status()
    lists = sorted(set(re.findall(r'href="[^"]*?(/admin/[\w-]+/list)"', home.text)))
    pages = [("admin dashboard", "/admin/"), ("admin analytics", "/admin/analytics")]
    pages += [(f"admin list: {path.split('/')[2]}", path) for path in lists]
    figures = []
    for name, path in pages:
        async def get(path: str = path) -> httpx.Response:
            return await client.get(path)
        figures.append(await timer.run_async(Figure(name, "admin", "platform"), get, _ok))
    return figures

"""Drive the pages' Reflex states in-process, as the websocket would: one state tree per browser tab.

`open_page(StateClass, path=..., ip=..., token=...)` builds a fresh root state with the router data
Reflex fills in for a connection (client address, page path, query) and returns the substate;
`run(state, "handler", *args)` calls an event handler's own function on it the way Reflex's event
processor does (plain, generator, coroutine or async generator) and returns what it returned or
yielded last.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reflex.istate.data import RouterData
from reflex.state import State
from reflex_base import constants


def open_page(state_cls: type, *, path: str = "/", ip: str = "198.51.100.7", token: str = ""):
    url = urlsplit(path)
    router_data = {
        constants.RouteVar.CLIENT_IP: ip,
        constants.RouteVar.HEADERS: {"host": "testserver", "origin": "http://testserver", "asgi-scope-client": ip},
        constants.RouteVar.PATH: url.path,
        constants.RouteVar.ORIGIN: path,
        constants.RouteVar.QUERY: dict(parse_qsl(url.query)),
    }
    root = State(_reflex_internal_init=True)
    root.router_data = router_data
    root.router = RouterData.from_router_data(router_data)
    state = root.get_substate(state_cls.get_full_name().split("."))
    state.auth_token = token
    return state


def _finish(coroutine) -> Any:
    """Run a handler's coroutine to its end. A session that drove a real browser before keeps an
    event loop running in this thread (Playwright's sync API), where asyncio.run refuses to
    start: the coroutine then runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run(state, handler: str, *args: Any) -> Any:
    outcome = getattr(type(state), handler).fn(state, *args)
    if inspect.iscoroutine(outcome):
        return _finish(outcome)
    if inspect.isasyncgen(outcome):
        async def drain():
            last = None
            async for item in outcome:
                last = item if item is not None else last
            return last

        return _finish(drain())
    if inspect.isgenerator(outcome):
        last = None
        for item in outcome:
            last = item if item is not None else last
        return last
    return outcome


def state_text(state) -> str:
    """Everything the page's state tree would send to the browser, as one string to search."""
    return repr(state._get_root_state().dict())

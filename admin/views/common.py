"""Running custom actions on the selected rows, with one flash message per outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqladmin import Flash
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin.i18n import text
from admin.views.base import run_domain
from hub_app.domain.errors import DomainError


def selected_pks(request: Request) -> list[str]:
    return [pk for pk in request.query_params.get("pks", "").split(",") if pk]


def back_to(request: Request, view: Any, pks: list[str]) -> str:
    if len(pks) == 1:
        return str(request.url_for("admin:details", identity=view.identity, pk=pks[0]))
    return str(request.url_for("admin:list", identity=view.identity))


async def run_row_action(request: Request, view: Any, fn: Callable[..., Any], done_key: str,
                         after: Callable[[Any], Any] | None = None) -> Response:
    """Call `fn(db, ctx, pk)` for each selected row; successes and refusals are flashed."""
    pks = selected_pks(request)
    done = 0
    for pk in pks:
        try:
            result = await run_domain(request, fn, view._pk(pk))
        except DomainError as exc:
            Flash.error(request, f"#{pk}: {exc.message}")
            continue
        done += 1
        if after is not None:
            note = after(result)
            if note:
                Flash.info(request, note)
    if done:
        Flash.success(request, text(done_key, count=done))
    return RedirectResponse(back_to(request, view, pks), status_code=302)

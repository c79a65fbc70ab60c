"""EXPLAIN (ANALYZE, BUFFERS) of the slowest statements behind the measured pages.

`python -m bench.scale.explain --database-url URL --out bench/results/explain.md` runs each
dashboard page once for the biggest store, its availability, the admin pages and the reminder
tick (the same calls as measure.py), times every statement they send, and explains each statement slower than the
threshold right where it ran: on the same connection, in the same transaction, so under the same
role and row-level security settings the app had. Only SELECTs are explained (ANALYZE runs them).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.scale.measure import configure, flush_namespace, prepare, stores_under_test
from bench.scale.timing import Timer


@dataclass
class Slow:
    page: str
    statement: str
    milliseconds: float
    plan: str


def capture(threshold_ms: float, page_of, found: list[Slow]) -> None:
    from sqlalchemy import Engine, event

    seen: set[str] = set()

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["scale_started"] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - conn.info.pop("scale_started", time.perf_counter())) * 1000
        shape = " ".join(statement.split())
        # One plan per statement shape: IN lists of any length count as the same statement.
        key = re.sub(r"%\(\w+?\)s(, %\(\w+?\)s)*", "?", shape)
        if elapsed < threshold_ms or key in seen or not shape.upper().startswith(("SELECT", "WITH")):
            return
        seen.add(key)
        explain = cursor.connection.cursor()
        explain.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in explain.fetchall())
        found.append(Slow(page_of(), shape, round(elapsed, 1), plan))


QUICK_ADMIN_PAGES = ("/admin/", "/admin/analytics", "/admin/booking/list", "/admin/webhook-event/list")


def run(database_url: str, threshold_ms: float, quick: bool = False) -> list[Slow]:
    namespace = f"hub-scale-{uuid.uuid4().hex[:8]}"
    configure(database_url, namespace)
    prepare(database_url)
    from bench.scale import http_figures
    from bench.scale.page_figures import dashboard_figures, worker_figures

    current = {"page": ""}
    found: list[Slow] = []
    capture(threshold_ms, lambda: current["page"], found)
    once = Timer(repeat=1, warmup=0)
    biggest = stores_under_test(database_url)[0]
    from bench.scale.page_figures import manager_context
    from hub_app.manage.shell.present import store_today

    today = store_today(manager_context(biggest))
    current["page"] = "dashboard (biggest store)"
    dashboard_figures(biggest, once, exports=not quick)
    current["page"] = "reminder tick"
    worker_figures(once)

    async def admin() -> None:
        import httpx

        from hub_app.api.app import create_api

        transport = httpx.ASGITransport(app=create_api(), client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=600) as client:
            current["page"] = "availability (biggest store)"
            await http_figures.availability_figures(client, biggest, today, once)
            current["page"] = "admin pages"
            if quick:
                await http_figures.admin_sign_in(client)
                for path in QUICK_ADMIN_PAGES:
                    await client.get(path)
            else:
                await http_figures.admin_figures(client, once)

    asyncio.run(admin())
    flush_namespace(namespace)
    return sorted(found, key=lambda s: -s.milliseconds)


def markdown(found: list[Slow], database: str, threshold_ms: float) -> str:
    lines = [f"# Slow statements on {database} (over {threshold_ms:.0f} ms, slowest first)", ""]
    for n, slow in enumerate(found, start=1):
        lines += [f"## {n}. {slow.milliseconds} ms, {slow.page}", "", "```sql", slow.statement[:3000], "```", "",
                  "```", slow.plan, "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale.explain")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--threshold-ms", type=float, default=50.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true",
                        help="no CSV exports, and only the admin dashboard, analytics, bookings and inbox pages")
    args = parser.parse_args()
    found = run(args.database_url, args.threshold_ms, args.quick)
    Path(args.out).write_text(markdown(found, args.database_url.rpartition("/")[2], args.threshold_ms))
    for slow in found:
        print(f"{slow.milliseconds:>9} ms  {slow.page:<28} {slow.statement[:150]}")


if __name__ == "__main__":
    main()

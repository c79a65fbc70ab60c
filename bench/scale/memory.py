"""Resident memory of a served app worker and of a Dramatiq worker on one (the full) database.

`python -m bench.scale.memory --database-url URL --out memory.json`:
1. Granian serves the API app (`hub_app.api.app:create_api`, the /api/v1, /webhooks and /admin
   the production server carries) with one worker; the measurement's HTTP traffic (availability,
   bookings, webhook intake, every admin page) goes to it over real HTTP; then the RSS of the
   worker process is read.
2. `dramatiq workers.actors --processes 1 --threads 2` (the production worker command) starts
   on the same queue namespace, works off what the traffic enqueued (the webhook events), and
   runs a notification tick over the full data; then the RSS of its worker process is read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil

from bench.procs import WorkerProcess, _Process, free_port, stop_process_group, wait_until
from bench.scale.measure import configure, flush_namespace, prepare, stores_under_test
from bench.scale.timing import Timer

VENV_BIN = Path(sys.executable).parent


class GranianApi(_Process):
    log_name = "granian"

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env)
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "GranianApi":
        self._spawn([str(VENV_BIN / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                     "--port", str(self.port), "--workers", "1", "--no-ws", "hub_app.api.app:create_api"])
        wait_until(lambda: self._up(), 120, interval=0.5, what="granian API server")
        return self

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"granian exited:\n{self.log_text()[-3000:]}")
        try:
            return httpx.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


def rss_mb(pid: int) -> dict[str, float]:
    """RSS of a process and of each of its descendants, in MB."""
    root = psutil.Process(pid)
    return {f"{p.pid} {' '.join(p.cmdline()[:3])[:60]}": round(p.memory_info().rss / 2**20, 1)
            for p in [root, *root.children(recursive=True)]}


async def _traffic(url: str, stores, repeat: int) -> None:
    from bench.scale import http_figures
    from bench.scale.page_figures import manager_context
    from hub_app.manage.shell.present import store_today

    timer = Timer(repeat=repeat, warmup=1, budget=3)
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        for store in stores:
            today = store_today(manager_context(store))
            await http_figures.availability_figures(client, store, today, timer)
            await http_figures.booking_figures(client, store, today, timer)
        await http_figures.webhook_figures(client, timer)
        await http_figures.admin_figures(client, timer)


def measure_memory(database_url: str, repeat: int = 3) -> dict:
    namespace = f"hub-scale-{uuid.uuid4().hex[:8]}"
    configure(database_url, namespace)
    prepare(database_url)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "GRANIAN_WORKERS": "1"}
    stores = stores_under_test(database_url)
    result: dict = {}
    server = GranianApi(env).start()
    try:
        before = rss_mb(server.proc.pid)
        started = time.perf_counter()
        asyncio.run(_traffic(server.url, stores, repeat))
        result["app"] = {"after_start": before, "after_traffic": rss_mb(server.proc.pid),
                         "traffic_seconds": round(time.perf_counter() - started, 1)}
    finally:
        stop_process_group(server.proc)
    worker = WorkerProcess(env)
    try:
        worker.start_cli(threads=2, wait_seconds=120)
        from workers.notification_actors import notification_tick

        notification_tick.send()
        time.sleep(30)
        result["worker"] = {"after_work": rss_mb(worker.proc.pid), "log_tail": worker.log_text()[-1500:]}
    finally:
        worker.stop()
        flush_namespace(namespace)
    return result


def largest_child(processes: dict[str, float]) -> float:
    """The biggest process of a tree: the worker (the parent of granian or dramatiq is small)."""
    return max(processes.values()) if processes else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale.memory")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = measure_memory(args.database_url, args.repeat)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items()}, indent=1)[:3000])


if __name__ == "__main__":
    main()

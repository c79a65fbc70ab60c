"""Repeated timings after warm-up, with a time budget per figure, and their percentiles."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round(q * (len(ordered) - 1))), len(ordered) - 1)] if ordered else float("nan")


@dataclass
class Figure:
    """One measured thing on one store (or the whole platform) at one data size."""

    name: str
    group: str                  # availability, booking, dashboard, admin, worker, webhook
    store: str                  # "biggest", "median" or "platform"
    samples: list[float] = field(default_factory=list)   # seconds
    failures: int = 0           # answers that were not a success (kept out of the samples)
    note: str = ""
    peak_mb: float | None = None

    def summary(self) -> dict:
        return {"name": self.name, "group": self.group, "store": self.store, "n": len(self.samples),
                "p50_ms": round(percentile(self.samples, 0.5) * 1000, 2),
                "p95_ms": round(percentile(self.samples, 0.95) * 1000, 2),
                "max_ms": round(max(self.samples) * 1000, 2) if self.samples else None,
                "failures": self.failures, "note": self.note, "peak_mb": self.peak_mb}


class Timer:
    """`repeat` timed calls after `warmup` untimed ones; stops early once `budget` seconds of
    timed calls are spent (slow figures at full size), keeping at least three samples (one when
    a single call takes longer than the budget)."""

    def __init__(self, repeat: int = 20, warmup: int = 2, budget: float = 12.0) -> None:
        self.repeat, self.warmup, self.budget = repeat, warmup, budget

    def _enough(self, figure: Figure, spent: float) -> bool:
        n = len(figure.samples)
        # A call longer than the whole budget is far off any target: one sample says so.
        return n >= self.repeat or (spent >= self.budget and (n >= 3 or spent / max(n, 1) >= self.budget))

    def run(self, figure: Figure, call: Callable[[], object], ok: Callable[[object], bool] = lambda _: True) -> Figure:
        for _ in range(self.warmup):
            started = time.perf_counter()
            call()
            if time.perf_counter() - started > 2:
                break           # a slow figure: one warm-up is enough
        spent = 0.0
        while not self._enough(figure, spent):
            started = time.perf_counter()
            result = call()
            elapsed = time.perf_counter() - started
            spent += elapsed
            if ok(result):
                figure.samples.append(elapsed)
            else:
                figure.failures += 1
                if figure.failures > self.repeat:
                    break
        return figure

    async def run_async(self, figure: Figure, call: Callable[[], Awaitable[object]],
                        ok: Callable[[object], bool] = lambda _: True) -> Figure:
        for _ in range(self.warmup):
            started = time.perf_counter()
            await call()
            if time.perf_counter() - started > 2:
                break
        spent = 0.0
        while not self._enough(figure, spent):
            started = time.perf_counter()
            result = await call()
            elapsed = time.perf_counter() - started
            spent += elapsed
            if ok(result):
                figure.samples.append(elapsed)
            else:
                figure.failures += 1
                if not figure.note:
                    figure.note = _describe(result)
                if figure.failures > self.repeat:
                    break
        return figure


def _describe(result: object) -> str:
    status = getattr(result, "status_code", None)
    if status is None:
        return str(result)[:120]
    return f"HTTP {status}: {getattr(result, 'text', '')[:120]}"

"""One run over every level: generate (or reuse) each database, measure it in a process of its
own, then the memory figures on the largest; the results are rewritten after every level, so a
run cut short still leaves what it measured in bench/results/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from bench.scale import report
from bench.scale.load import create_database, drop_database, generate, is_generated, migrate, with_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def level_label(divisor: int, smallest: int) -> str:
    return "full" if divisor == 1 else f"{smallest // divisor}x"


def _subprocess(module: str, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT_ROOT, env=env, check=True)


def run_levels(*, admin_url: str, full_stores: int, full_bookings: int, seed: int, anchor: date, repeat: int,
               levels: str, keep: bool, out_dir: str, reuse: bool = True, resume: bool = False) -> None:
    divisors = [int(d) for d in levels.split(",")]
    smallest = max(divisors)
    out = PROJECT_ROOT / out_dir if not os.path.isabs(out_dir) else Path(out_dir)
    context = {"started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), "seed": seed,
               "anchor": anchor.isoformat(), "cpus": os.cpu_count(), "repeat": repeat,
               "full": {"stores": full_stores, "bookings": full_bookings}}
    results: list[dict] = []
    memory = None
    if resume:
        results, context = _measured_so_far(out, context)
    names = []
    work = Path(tempfile.mkdtemp(prefix="hub-scale-"))
    for divisor in divisors:
        label = level_label(divisor, smallest)
        stores, bookings = full_stores // divisor, full_bookings // divisor
        name = f"hub_scale_{label}"
        names.append(name)
        url = with_database(admin_url, name)
        generation = None
        if any(level["label"] == label for level in results):
            print(f"== {label}: measured already (resumed run)", flush=True)
            continue
        if reuse and is_generated(admin_url, name, stores, bookings, seed, anchor):
            print(f"== {label}: reusing {name} ({stores} stores, {bookings} bookings)", flush=True)
            recorded = out / f"generation-{label}.json"
            generation = json.loads(recorded.read_text()) if recorded.exists() else None
        else:
            print(f"== {label}: generating {name} ({stores} stores, {bookings} bookings)", flush=True)
            started = time.perf_counter()
            create_database(admin_url, name)
            migrate(url)
            migrated = time.perf_counter() - started
            load = generate(url, stores=stores, bookings=bookings, seed=seed, anchor=anchor)
            generation = {"seconds": round(time.perf_counter() - started, 1), "rows": load.rows,
                          "phases": {"create + migrate": round(migrated, 1),
                                     **{k: round(v, 1) for k, v in load.seconds.items()}}}
            print("\n".join(load.lines()), flush=True)
        print(f"== {label}: measuring", flush=True)
        target = work / f"{label}.json"
        _subprocess("bench.scale.measure", "--database-url", url, "--label", label, "--repeat", str(repeat),
                    "--out", str(target))
        result = json.loads(target.read_text())
        result.update(stores=stores, bookings=bookings, generation=generation)
        results.append(result)
        report.write(out, results, memory, context)
    if divisors and divisors[-1] == 1:
        print("== full: memory of a served app worker and a Dramatiq worker", flush=True)
        target = work / "memory.json"
        _subprocess("bench.scale.memory", "--database-url", with_database(admin_url, names[-1]), "--out", str(target))
        memory = json.loads(target.read_text())
        memory.get("worker", {}).pop("log_tail", None)
        report.write(out, results, memory, context)
    if not keep:
        for name in names:
            drop_database(admin_url, name)
    print(f"results in {out}", flush=True)


def _measured_so_far(out: Path, context: dict) -> tuple[list[dict], dict]:
    """The levels an earlier run with the same seed, anchor and full size measured (its results
    file), so a run cut short continues where it stopped and still compares with its 1x."""
    path = out / "scale.json"
    if not path.exists():
        return [], context
    earlier = json.loads(path.read_text())
    same = all(earlier["context"].get(k) == context[k] for k in ("seed", "anchor", "full", "repeat"))
    if not same:
        return [], context
    return earlier["levels"], {**earlier["context"], "resumed": context["started"]}

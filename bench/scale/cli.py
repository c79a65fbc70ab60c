"""Command line of the scale benchmark.

    python -m bench.scale generate --stores 10000 --bookings 10000000 --seed 1 --database-url URL
        one database: created fresh, migrated, filled, checked
    python -m bench.scale run [--full-stores 10000 --full-bookings 10000000 --seed 1]
        the four levels (1/1000, 1/100, 1/10 of the full size and the full size) each in its own
        own database (reused when a finished load with the same parameters is there), measured
        one after the other in processes of their own, then RSS of a served app and a Dramatiq
        worker on the full one; writes bench/results/scale.md, scale.json and scale.png
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from bench.scale.load import create_database, generate, migrate
from bench.scale.rows import anchor_today

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _generate(args: argparse.Namespace) -> None:
    url = args.database_url
    if args.create:
        admin = url.rpartition("/")[0] + "/postgres"
        url = create_database(admin, url.rpartition("/")[2])
    started = time.perf_counter()
    migrate(url)
    migrated = time.perf_counter() - started
    report = generate(url, stores=args.stores, bookings=args.bookings, seed=args.seed, anchor=args.anchor)
    print("\n".join(report.lines()))
    print(f"total with migration: {time.perf_counter() - started:.1f} s")
    if args.report_json:
        # The same record `run` keeps for a level it generated (run reads it when it reuses one).
        Path(args.report_json).write_text(json.dumps({
            "seconds": round(time.perf_counter() - started, 1), "rows": report.rows,
            "phases": {"create + migrate": round(migrated, 1), **{k: round(v, 1) for k, v in report.seconds.items()}},
        }, indent=1))


def _run(args: argparse.Namespace) -> None:
    from bench.scale.run import run_levels

    run_levels(admin_url=args.admin_url, full_stores=args.full_stores, full_bookings=args.full_bookings,
               seed=args.seed, anchor=args.anchor, repeat=args.repeat, levels=args.levels,
               keep=not args.drop, out_dir=args.out, reuse=not args.fresh, resume=args.resume)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="fill one fresh database")
    gen.add_argument("--stores", type=int, default=100)
    gen.add_argument("--bookings", type=int, default=100_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--anchor", type=date.fromisoformat, default=anchor_today(),
                     help="the 'today' of the data (default: today, UTC); same seed and anchor, same data")
    gen.add_argument("--database-url", required=True)
    gen.add_argument("--create", action="store_true", help="drop and create the database first")
    gen.add_argument("--report-json", help="also write the generation figures to this file")
    gen.set_defaults(func=_generate)

    run = sub.add_parser("run", help="generate and measure every level, write bench/results/")
    run.add_argument("--admin-url", default=os.environ.get("SCALE_PG_ADMIN_URL", DEFAULT_ADMIN_URL))
    run.add_argument("--full-stores", type=int, default=10_000)
    run.add_argument("--full-bookings", type=int, default=10_000_000)
    run.add_argument("--levels", default="1000,100,10,1",
                     help="divisors of the full size, smallest data first (1 = the full size)")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--anchor", type=date.fromisoformat, default=anchor_today())
    run.add_argument("--repeat", type=int, default=20, help="timed repetitions per figure (after warm-up)")
    run.add_argument("--resume", action="store_true",
                     help="keep the levels bench/results/scale.json already holds for the same parameters")
    run.add_argument("--drop", action="store_true", help="drop the databases afterwards (default: keep them)")
    run.add_argument("--fresh", action="store_true",
                     help="generate every level again even where a finished load with the same parameters exists")
    run.add_argument("--out", default="bench/results")
    run.set_defaults(func=_run)
    args = parser.parse_args(argv)
    sys.setrecursionlimit(10_000)
    args.func(args)

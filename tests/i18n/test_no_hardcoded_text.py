"""No user-facing English bypasses the catalogs: an AST scan of the domain, the page states, the
pages and the admin for string literals handed to a DomainError (its message or its field
messages), assigned to a message attribute of a state, or shown by a component. Text must come
from `t()` / `tr()`; what is not text (CSS values, ids, symbols) is recognised or allow-listed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hub_app.domain import errors

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("hub_app/domain", "hub_app/state", "hub_app/pages", "admin")

# Components (`rx.text(...)`, `rx.el.label(...)`, `ui.badge(...)`) whose positional arguments are
# shown to people as they are. Only attribute calls: a bare `text(...)` is SQLAlchemy's, and the
# admin's `label(key, fallback)` is a catalog lookup (its keys are checked below).
COMPONENTS = {"text", "heading", "button", "callout", "link", "badge", "label", "span", "p", "h1", "h2", "h3", "h4",
              "strong", "em", "code", "title", "description", "option", "legend", "th", "td", "li", "alert",
              "tooltip", "menu_item", "item", "trigger", "window_alert", "toast", "flash"}
# Keyword arguments that carry text for people (the rest are CSS, ids, variants...).
TEXT_KWARGS = {"placeholder", "title", "aria_label", "label", "alt", "content", "message", "description",
               "heading", "text", "confirm", "help_text"}
# Attributes of page states that are shown as messages.
MESSAGE_ATTR = re.compile(r"(^|_)(error|notice|message|text|warning|errors)$")
# Reviewed: literals that look like words but are not text for people (units, codes, brand names).
ALLOWED = {"Stripe", "Calendly", "CalDAV", "ICS", "SMS", "EasySMS", "OK", "UTC", "CSV", "API", "Appointment Hub",
           "Appt Hub",  # the brand's short name under a home-screen icon (manifest short_name)
           "ΕΛ", "EN", "Ελληνικά", "English", "iCal", "URL",
           # placeholders that show the format of a code: a country, a time zone, a currency
           "GR", "Europe/Athens", "EUR"}


def domain_error_names() -> set[str]:
    names, todo = set(), [errors.DomainError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    # Subclasses defined in modules not imported here are found by the scan itself (below).
    return names


def is_text(value: str) -> bool:
    """Words a person reads: two letters in a row somewhere, and not a code, CSS value or id."""
    stripped = value.strip()
    if not re.search(r"[A-Za-z]{2}", stripped) or stripped in ALLOWED:
        return False
    if re.fullmatch(r"[a-z0-9_.\-:/#%()]+", stripped):  # ids, css, keys, routes, enum values
        return False
    if re.match(r"https?://", stripped):  # an example address in a placeholder
        return False
    if re.fullmatch(r"[\d.]+(px|em|rem|%|vh|vw|ch)", stripped):
        return False
    return True


def literals(node: ast.AST) -> list[str]:
    """The string literals a message expression is built from (f-strings and + included)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp):
        return literals(node.left) + literals(node.right)
    if isinstance(node, ast.IfExp):
        return literals(node.body) + literals(node.orelse)
    if isinstance(node, ast.Dict):
        return [s for v in node.values if v is not None for s in literals(v)]
    return []


def call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def python_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def untranslated_in(tree: ast.AST, error_names: set[str]) -> list[tuple[int, str]]:
    """(line, literal) of every text literal the tree shows to people or raises in a DomainError."""
    found = []
    for node in ast.walk(tree):
        suspects: list[ast.AST] = []
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in error_names:
                suspects += node.args[:1] + [k.value for k in node.keywords if k.arg in ("message", "fields")]
            elif name in COMPONENTS and isinstance(node.func, ast.Attribute):
                suspects += [a for a in node.args if not isinstance(a, ast.Call)]
            suspects += [k.value for k in node.keywords if k.arg in TEXT_KWARGS]
        elif isinstance(node, ast.Assign):
            if any(isinstance(tg, ast.Attribute) and isinstance(tg.value, ast.Name) and tg.value.id == "self"
                   and MESSAGE_ATTR.search(tg.attr) for tg in node.targets):
                suspects.append(node.value)
        found += [(getattr(suspect, "lineno", node.lineno), text)
                  for suspect in suspects for text in literals(suspect) if is_text(text)]
    return found


def find_untranslated() -> list[str]:
    error_names = domain_error_names()
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in python_files()}
    for tree in trees.values():  # error classes defined outside hub_app.domain.errors
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and b.id in error_names for b in node.bases):
                error_names.add(node.name)
    return [f"{path.relative_to(ROOT)}:{line}: {text!r}"
            for path, tree in trees.items() for line, text in untranslated_in(tree, error_names)]


def test_no_user_facing_literal_bypasses_the_catalogs():
    found = find_untranslated()
    assert found == [], "translate these through hub_app/i18n (t() / tr()):\n" + "\n".join(found)


def test_the_scan_sees_what_it_must_refuse():
    """The scan's own control: each shape of hard-coded text is caught, and non-text is not."""
    samples = {
        'raise ValidationFailed("Unknown fields: " + ", ".join(names))': 1,
        'raise PlanLimitReached(f"Your plan allows {n} services.")': 1,
        'raise ValidationFailed(t("x", loc), fields={"email": "Enter an email."})': 1,
        'rx.text("Nothing here yet")': 1,
        'rx.input(placeholder="Search clients")': 1,
        'self.error_text = "Something went wrong"': 1,
        'rx.box(width="100%", id="booking-dialog", class_name="refund-charge")': 0,
        'raise NotFound(t("booking.not_found", ctx.locale))': 0,
        'db.execute(text("SELECT set_config(\'app.store_id\', :id, true)"))': 0,
        'name = label("view.user", "User")': 0,
    }
    for source, expected in samples.items():
        assert len(untranslated_in(ast.parse(source), domain_error_names())) == expected, source


def test_every_admin_label_key_is_in_both_catalogs():
    """The admin's `label("view.user", "User")`: the English fallback is shown only when the key is
    missing, so every literal key must exist (as `admin.<key>`) in English and in Greek."""
    from hub_app.i18n import catalog

    missing = []
    for path in sorted((ROOT / "admin").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "label"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                key = "admin." + node.args[0].value
                missing += [f"{path.relative_to(ROOT)}:{node.lineno}: {key} ({lang})"
                            for lang in ("en", "el") if key not in catalog(lang)]
    assert missing == [], "\n".join(missing)

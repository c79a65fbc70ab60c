"""The Greek catalog is complete: every English key is there, in Greek (not a copy of the English),
and every key the code asks for by name exists in both catalogs."""

from __future__ import annotations

import ast
import re

from hub_app.i18n import catalog
from tests.i18n.test_no_hardcoded_text import ROOT, SCANNED

# Reviewed: values Greek users read as they are (the brand, the word "Email", technical names,
# formats made only of placeholders, an example address).
SAME_IN_GREEK = {
    "app.name", "field.email", "admin.col.email", "sqladmin:Username", "sqladmin:Enter username",
    "payments.checkout_description", "manage.integrations.webhook", "admin.col.uid", "admin.col.etag",
    "subscription.price_per_interval",
}


def test_every_english_key_is_translated_into_greek():
    en, el = catalog("en"), catalog("el")
    assert sorted(set(en) - set(el)) == [], "keys missing in el.json"
    copied = sorted(k for k in en if el[k] == en[k] and k not in SAME_IN_GREEK)
    assert copied == [], "still English in el.json: " + ", ".join(copied)
    # A value made of Latin words only (no Greek letter) is English that slipped in.
    latin_only = sorted(k for k, v in el.items() if k not in SAME_IN_GREEK and re.search(r"[A-Za-z]{3}", v)
                        and not re.search(r"[\u0370-\u03ff]", v) and k != "admin.calendly_token")
    assert latin_only == [], "no Greek in: " + ", ".join(latin_only)


def test_the_allow_list_holds_only_values_that_are_really_the_same():
    en, el = catalog("en"), catalog("el")
    assert sorted(k for k in SAME_IN_GREEK if en.get(k) != el.get(k)) == []


def referenced_keys() -> dict[str, str]:
    """Keys passed as a literal to t() / tr() / text() anywhere in the scanned code."""
    found: dict[str, str] = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("t", "tr")
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_key_the_code_asks_for_exists_in_both_catalogs():
    en, el = catalog("en"), catalog("el")
    missing = sorted(f"{where}: {key}" for key, where in referenced_keys().items() if key not in en or key not in el)
    assert missing == [], "\n".join(missing)

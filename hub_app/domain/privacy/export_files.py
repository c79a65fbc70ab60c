"""The export as files: the JSON document, a readable HTML copy, and a zip holding both."""

from __future__ import annotations

import html
import io
import json
import zipfile
from typing import Any

from hub_app.domain.privacy.export import KEYS
from hub_app.i18n import t

SECTIONS = ("profile", "bookings", "payments", "subscriptions", "notifications", "store_links", "sessions",
            "sign_in_failures", "audit_entries", "calendar_sync", "calendly")


def export_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def file_stem(document: dict) -> str:
    day = str(document.get("generated_at", ""))[:10]
    return f"personal-data-{document['profile'].get('id', '')}-{day}"


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (dict, list)):
        return html.escape(json.dumps(value, ensure_ascii=False))
    return html.escape(str(value))


def _table(rows: list[dict]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th scope=\"col\">{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_value(row.get(c))}</td>" for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(key: str, content: Any, locale: str) -> str:
    title = html.escape(t(f"privacy.section.{key}", locale))
    about = html.escape(KEYS[key])
    if isinstance(content, dict) and key == "profile":
        inner = "<dl>" + "".join(f"<dt>{html.escape(k)}</dt><dd>{_value(v)}</dd>" for k, v in content.items()) + "</dl>"
    elif isinstance(content, dict):
        inner = "".join(f"<h3>{html.escape(k)}</h3>" + (_table(v) or _none(locale)) for k, v in content.items())
    else:
        inner = _table(content) or _none(locale)
    return f"<section id=\"{key}\"><h2>{title}</h2><p class=\"about\"><code>{key}</code>: {about}</p>{inner}</section>"


def _none(locale: str) -> str:
    return f"<p>{html.escape(t('privacy.section_empty', locale))}</p>"


def export_html(document: dict, locale: str = "en") -> str:
    """A page a person can read (and print): each section with what it holds, as tables."""
    scope = document.get("scope") or {}
    store = scope.get("store")
    intro = (t("privacy.export_intro_store", locale, store=store["name"]) if store
             else t("privacy.export_intro_account", locale))
    sections = "".join(_section(key, document.get(key), locale) for key in SECTIONS)
    title = html.escape(t("privacy.export_title", locale))
    return (
        f"<!DOCTYPE html><html lang=\"{html.escape(locale)}\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title><style>body{{font-family:system-ui,sans-serif;margin:2em;color:#111}}"
        "table{border-collapse:collapse;font-size:.85em;margin-bottom:1em}td,th{border:1px solid #999;"
        "padding:.25em .5em;text-align:left;vertical-align:top}dt{font-weight:600}.about{color:#444}</style>"
        f"</head><body><h1>{title}</h1><p>{html.escape(intro)}</p>"
        f"<p>{html.escape(t('privacy.export_generated', locale, when=document.get('generated_at', '')))}</p>"
        f"{sections}</body></html>"
    )


def export_zip(document: dict, locale: str = "en") -> bytes:
    """`<stem>.json` (machine-readable) and `<stem>.html` (readable) in one zip."""
    stem = file_stem(document)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.json", export_json(document))
        archive.writestr(f"{stem}.html", export_html(document, locale))
    return buffer.getvalue()

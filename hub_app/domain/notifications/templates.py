"""Message wording: the default English and Greek templates, and safe rendering.

Templates use `{name}` placeholders from a fixed whitelist. Rendering is a single regex pass that
only ever looks up whitelisted names in a dict of strings: no attribute access, no indexing, no
format specs (unlike `str.format`), and a value that itself contains `{store}` is inserted
literally, never expanded again. HTML email escapes the template text and every value.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub_app.domain.notifications.models import Channel, NotificationKind, NotificationTemplate
from hub_app.i18n import normalize_locale

PLACEHOLDERS: dict[str, str] = {
    "first_name": "client's first name",
    "last_name": "client's last name",
    "client_name": "client's full name",
    "service": "service name",
    "date": "booking date in the store's timezone",
    "time": "booking start time in the store's timezone",
    "store": "store name",
    "store_address": "store address",
    "store_phone": "store phone number",
    "manage_link": "link where the client manages the booking",
    "amount": "amount paid",
}
# Placeholders a manual message may use (the compose screen lists these).
MANUAL_PLACEHOLDERS = ("first_name", "service", "date", "time", "store")

_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Babel puts narrow/no-break spaces in times ("10:00\u202fAM"); they are not in the GSM alphabet
# and would turn an English SMS into a Unicode one (half the characters per segment).
_ODD_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})


@dataclass(frozen=True)
class Wording:
    subject: str | None
    body: str


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str
    body_html: str | None


def unknown_placeholders(text: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    """Names in `{...}` that rendering would not replace (shown to the person editing)."""
    names = set(allowed if allowed is not None else PLACEHOLDERS)
    return sorted({m.group(1) for m in _PLACEHOLDER_RE.finditer(text or "")} - names)


def substitute(text: str, values: dict[str, str], *, escape_html: bool = False) -> str:
    """Replace whitelisted `{name}` with its value in one pass; anything else stays as written."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS or name not in values:
            return match.group(0)
        value = str(values[name]).translate(_ODD_SPACES)
        return html.escape(value) if escape_html else value

    return _PLACEHOLDER_RE.sub(replace, text)


def render(wording: Wording, values: dict[str, str], channel: Channel) -> Rendered:
    subject = substitute(wording.subject, values) if wording.subject else None
    body = substitute(wording.body, values)
    if channel != Channel.EMAIL:
        return Rendered(subject=None, body=body, body_html=None)
    return Rendered(subject=subject, body=body, body_html=html_body(wording.body, values))


def html_body(template_text: str, values: dict[str, str]) -> str:
    """The HTML part: escaped template text, escaped values, the manage link clickable."""
    # Escape the template text around the placeholders, then substitute escaped values.
    parts: list[str] = []
    last = 0
    for match in _PLACEHOLDER_RE.finditer(template_text):
        parts.append(html.escape(template_text[last:match.start()]))
        name = match.group(1)
        if name == "manage_link" and values.get(name):
            link = html.escape(values[name], quote=True)
            parts.append(f'<a href="{link}">{link}</a>')
        else:
            parts.append(substitute(match.group(0), values, escape_html=True))
        last = match.end()
    parts.append(html.escape(template_text[last:]))
    paragraphs = "".join(parts).split("\n\n")
    inner = "\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="font-family:sans-serif;line-height:1.5">{inner}</body></html>'
    )


_E, _S = Channel.EMAIL, Channel.SMS
_K = NotificationKind

DEFAULTS: dict[tuple[NotificationKind, Channel, str], Wording] = {
    (_K.CONFIRMATION, _S, "en"): Wording(None, "{store}: your {service} is booked for {date} at {time}. Manage: {manage_link}"),
    (_K.CONFIRMATION, _S, "el"): Wording(
        None, "{store}: το ραντεβού σας για {service} κλείστηκε για {date} στις {time}. Διαχείριση: {manage_link}"),
    (_K.CONFIRMATION, _E, "en"): Wording(
        "Booking confirmed: {service} on {date}",
        "Hello {first_name},\n\nYour booking for {service} at {store} is confirmed for {date} at {time}.\n"
        "Address: {store_address}\n\nTo change or cancel it: {manage_link}\n\nSee you soon,\n{store}"),
    (_K.CONFIRMATION, _E, "el"): Wording(
        "Επιβεβαίωση ραντεβού: {service} στις {date}",
        "Γεια σας {first_name},\n\nΤο ραντεβού σας για {service} στο {store} επιβεβαιώθηκε για {date} στις {time}.\n"
        "Διεύθυνση: {store_address}\n\nΓια αλλαγή ή ακύρωση: {manage_link}\n\nΤα λέμε σύντομα,\n{store}"),
    (_K.REMINDER, _S, "en"): Wording(None, "Reminder from {store}: {service} on {date} at {time}. Manage: {manage_link}"),
    (_K.REMINDER, _S, "el"): Wording(None, "Υπενθύμιση από {store}: {service} στις {date}, ώρα {time}. Διαχείριση: {manage_link}"),
    (_K.REMINDER, _E, "en"): Wording(
        "Reminder: {service} on {date} at {time}",
        "Hello {first_name},\n\nThis is a reminder of your booking for {service} at {store} on {date} at {time}.\n"
        "Address: {store_address}\n\nTo change or cancel it: {manage_link}\n\n{store}"),
    (_K.REMINDER, _E, "el"): Wording(
        "Υπενθύμιση: {service} στις {date}, ώρα {time}",
        "Γεια σας {first_name},\n\nΣας υπενθυμίζουμε το ραντεβού σας για {service} στο {store} στις {date}, ώρα {time}.\n"
        "Διεύθυνση: {store_address}\n\nΓια αλλαγή ή ακύρωση: {manage_link}\n\n{store}"),
    (_K.CANCELLATION, _S, "en"): Wording(None, "{store}: your {service} on {date} at {time} is cancelled."),
    (_K.CANCELLATION, _S, "el"): Wording(None, "{store}: το ραντεβού σας για {service} στις {date}, ώρα {time}, ακυρώθηκε."),
    (_K.CANCELLATION, _E, "en"): Wording(
        "Booking cancelled: {service} on {date}",
        "Hello {first_name},\n\nYour booking for {service} at {store} on {date} at {time} is cancelled.\n\n{store}"),
    (_K.CANCELLATION, _E, "el"): Wording(
        "Ακύρωση ραντεβού: {service} στις {date}",
        "Γεια σας {first_name},\n\nΤο ραντεβού σας για {service} στο {store} στις {date}, ώρα {time}, ακυρώθηκε.\n\n{store}"),
    (_K.RESCHEDULE, _S, "en"): Wording(None, "{store}: your {service} is moved to {date} at {time}. Manage: {manage_link}"),
    (_K.RESCHEDULE, _S, "el"): Wording(
        None, "{store}: το ραντεβού σας για {service} μεταφέρθηκε στις {date}, ώρα {time}. Διαχείριση: {manage_link}"),
    (_K.RESCHEDULE, _E, "en"): Wording(
        "Booking moved: {service} on {date} at {time}",
        "Hello {first_name},\n\nYour booking for {service} at {store} is now on {date} at {time}.\n"
        "Address: {store_address}\n\nTo change or cancel it: {manage_link}\n\n{store}"),
    (_K.RESCHEDULE, _E, "el"): Wording(
        "Αλλαγή ραντεβού: {service} στις {date}, ώρα {time}",
        "Γεια σας {first_name},\n\nΤο ραντεβού σας για {service} στο {store} είναι πλέον στις {date}, ώρα {time}.\n"
        "Διεύθυνση: {store_address}\n\nΓια αλλαγή ή ακύρωση: {manage_link}\n\n{store}"),
    (_K.PAYMENT_RECEIPT, _S, "en"): Wording(None, "{store}: we received {amount} for {service} on {date} at {time}. Thank you!"),
    (_K.PAYMENT_RECEIPT, _S, "el"): Wording(None, "{store}: λάβαμε {amount} για {service} στις {date}, ώρα {time}. Ευχαριστούμε!"),
    (_K.PAYMENT_RECEIPT, _E, "en"): Wording(
        "Payment received: {amount}",
        "Hello {first_name},\n\nWe received your payment of {amount} for {service} at {store} on {date} at {time}.\n\n"
        "Manage your booking: {manage_link}\n\nThank you,\n{store}"),
    (_K.PAYMENT_RECEIPT, _E, "el"): Wording(
        "Λάβαμε την πληρωμή σας: {amount}",
        "Γεια σας {first_name},\n\nΛάβαμε την πληρωμή σας ύψους {amount} για {service} στο {store} στις {date}, ώρα {time}.\n\n"
        "Διαχείριση ραντεβού: {manage_link}\n\nΕυχαριστούμε,\n{store}"),
}


@lru_cache(maxsize=None)
def _templates_of_kind():
    # Built once: every booking message reads it.
    return select(NotificationTemplate).where(NotificationTemplate.kind == bindparam("kind"))


class StoreWording:
    """A store's templates of one message kind, read in one query: which channels are on, and
    the wording per channel and language (the store's own enabled template, else the default).

    Reads through the session's tenant scope, so only the current store's rows count.
    """

    def __init__(self, db: Session, kind: NotificationKind) -> None:
        self.kind = kind
        self._rows = list(db.scalars(_templates_of_kind(), {"kind": kind}))

    def enabled(self, channel: Channel) -> bool:
        # A store turns a message off per kind and channel: any disabled row for them does it.
        return not any(row.channel == channel and row.enabled is False for row in self._rows)

    def wording(self, channel: Channel, locale: str | None) -> Wording:
        loc = normalize_locale(locale)
        for row in self._rows:
            if row.channel == channel and row.locale == loc and row.enabled and row.body.strip():
                return Wording(row.subject, row.body)
        return DEFAULTS[(self.kind, channel, loc)]


def channel_enabled(db: Session, kind: NotificationKind, channel: Channel) -> bool:
    return StoreWording(db, kind).enabled(channel)


def wording_for(db: Session, kind: NotificationKind, channel: Channel, locale: str | None) -> Wording:
    """The store's own enabled template for this language, else the built-in default."""
    return StoreWording(db, kind).wording(channel, locale)

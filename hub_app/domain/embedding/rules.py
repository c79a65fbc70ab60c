"""What a manager may list as an embedding site, and the accent colour.

An origin is a scheme, a host and maybe a port: `https://salon.example` or
`https://book.salon.example:8443`. Browsers compare origins exactly (CSP frame-ancestors, CORS,
postMessage's target), so anything else a person might paste (a path, a query, a wildcard,
`user@`) is refused with a message naming the entry rather than silently trimmed: the manager
should see what will actually be allowed. Plain `http://` is accepted only for the local machine
(testing a site before it goes live); on the internet a page over http can be altered on its way
and would be allowed to frame the booking form.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from hub_app.domain.errors import invalid_field

MAX_EMBED_DOMAINS = 20
DEFAULT_ACCENT = "#0d7a6f"  # the app's own teal, dark enough for white text (WCAG AA)
_HEX_COLOR = re.compile(r"^#(?:[0-9a-f]{3}|[0-9a-f]{6})$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
_DEFAULT_PORTS = {"https": 443, "http": 80}
FIELD_DOMAINS = "embed_domains"
FIELD_ACCENT = "embed_accent_color"


def _entries(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"[\s,]+", value)
    elif isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = [str(value)]
    return [p.strip() for p in parts if p and p.strip()]


def _is_local(host: str) -> bool:
    if host in _LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    labels = host.split(".")
    return len(host) <= 253 and len(labels) >= 1 and all(_LABEL.match(label) for label in labels) \
        and (len(labels) >= 2 or host == "localhost") and not labels[-1].isdigit()


def normalize_origin(entry: str, locale: str | None = None) -> str:
    """`entry` as the exact origin browsers will send (lower case, no default port), or a
    ValidationFailed on `embed_domains` naming the entry and what is wrong with it."""
    def refuse(key: str):
        return invalid_field(FIELD_DOMAINS, key, locale, entry=entry)

    raw = entry.strip()
    if "*" in raw:
        raise refuse("embed.domain_wildcard")
    if "://" not in raw:
        raise refuse("embed.domain_scheme")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise refuse("embed.domain_invalid")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise refuse("embed.domain_scheme")
    if parts.username is not None or parts.password is not None:
        raise refuse("embed.domain_invalid")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith("?") or raw.endswith("#"):
        raise refuse("embed.domain_path")
    host = (parts.hostname or "").lower()
    if "[" in parts.netloc:
        host = f"[{host}]"
    try:
        host = host if host.startswith("[") else host.encode("idna").decode("ascii")
    except UnicodeError:
        raise refuse("embed.domain_invalid")
    if not host or not _check_host(host):
        raise refuse("embed.domain_invalid")
    if scheme == "http" and not _is_local(host):
        raise refuse("embed.domain_https")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def check_embed_domains(value: object, locale: str | None = None) -> list[str]:
    """The list a manager typed (a list, or one per line / comma separated), as exact origins,
    without repeats, in the order given."""
    origins: list[str] = []
    for entry in _entries(value):
        origin = normalize_origin(entry, locale)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_EMBED_DOMAINS:
        raise invalid_field(FIELD_DOMAINS, "embed.domain_too_many", locale, limit=MAX_EMBED_DOMAINS)
    return origins


def check_accent_color(value: object, locale: str | None = None) -> str | None:
    """`#rrggbb` (lower case; `#rgb` is widened), or None for the default accent."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    if not text.startswith("#"):
        text = "#" + text
    if not _HEX_COLOR.match(text):
        raise invalid_field(FIELD_ACCENT, "embed.color_invalid", locale)
    if len(text) == 4:
        text = "#" + "".join(c * 2 for c in text[1:])
    return text


def _luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def text_color_on(accent: str) -> str:
    """White or near-black, whichever reads better on `accent` (WCAG contrast ratio)."""
    lum = _luminance(accent)
    on_white = 1.05 / (lum + 0.05)
    on_dark = (lum + 0.05) / (_luminance("#111111") + 0.05)
    return "#ffffff" if on_white >= on_dark else "#111111"


def accent_or_default(accent: str | None) -> str:
    return accent or DEFAULT_ACCENT


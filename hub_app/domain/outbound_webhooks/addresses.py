"""Which URLs a store may register as a webhook endpoint, checked when registered and when sent.

HTTPS only, to a public address. Outside production, http(s)://localhost and 127.0.0.1 are
allowed too, so an integrator can try a receiver on their own machine. Everything else that
points inside a network (private, loopback, link-local, reserved ranges, `.local`/`.internal`
names) is refused with the reason: the app's own servers must not be reachable through a webhook.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from hub_app.i18n import t
from hub_app.settings import get_settings

DEVELOPMENT_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
INTERNAL_SUFFIXES = (".local", ".internal", ".localhost", ".lan", ".home.arpa", ".corp")

# Host name -> its addresses. A module attribute so tests can answer for names without DNS.
resolve: Callable[[str], list[str]] = lambda host: sorted(  # noqa: E731
    {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


class AddressRefused(ValueError):
    """The URL may not be used; `str(exc)` is the reason, in the caller's language."""


def _development_allowed() -> bool:
    return not get_settings().is_production


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, locale: str | None = None, *, resolve_names: bool = True) -> str:
    """The URL, cleaned, when it may receive webhooks; AddressRefused with the reason otherwise."""
    clean = (url or "").strip()
    if not clean or len(clean) > 500:
        raise AddressRefused(t("webhooks.url_invalid", locale))
    try:
        parts = urlsplit(clean)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as exc:
        raise AddressRefused(t("webhooks.url_invalid", locale)) from exc
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise AddressRefused(t("webhooks.url_invalid", locale))
    if host in DEVELOPMENT_HOSTS:
        if _development_allowed():
            return clean
        raise AddressRefused(t("webhooks.url_private", locale))
    if parts.scheme != "https":
        raise AddressRefused(t("webhooks.url_https", locale))
    if host.endswith(INTERNAL_SUFFIXES) or "." not in host and ":" not in host:
        raise AddressRefused(t("webhooks.url_private", locale))
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        if not resolve_names:
            return clean
        try:
            addresses = resolve(host)
        except (OSError, UnicodeError) as exc:
            raise AddressRefused(t("webhooks.url_unresolved", locale, host=host)) from exc
    if not addresses or not all(_is_public(a) for a in addresses):
        raise AddressRefused(t("webhooks.url_private", locale))
    return clean

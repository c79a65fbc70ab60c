"""Trusted networks: address ranges (CIDR) the admin exempts from the per-address limits.

An office, a shop's Wi-Fi or a company proxy puts many people behind one address; its sign-ins
and bookings are then not slowed down as a whole (the per-account limits still apply). Edited in
the admin panel; read by hub_app.security.trusted (kept in memory for a few seconds).
"""

from __future__ import annotations

import ipaddress

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.platform.models import TrustedNetwork
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Wider ranges would exempt a good part of the internet: refused as a typing mistake.
MIN_PREFIX = {4: 8, 6: 32}


def parse_network(value: str, locale: str | None = None) -> Network:
    """A CIDR (or a single address) in canonical form; ValidationFailed for anything else."""
    text = str(value or "").strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        message = t("admin.trusted_network_invalid", locale)
        raise ValidationFailed(message, fields={"cidr": message}) from None
    if network.prefixlen < MIN_PREFIX[network.version]:
        message = t("admin.trusted_network_too_wide", locale, prefix=MIN_PREFIX[network.version])
        raise ValidationFailed(message, fields={"cidr": message})
    return network


def save_trusted_network(db: Session, ctx: TenantContext, network_id: int | None, values: dict) -> TrustedNetwork:
    """Admin: add (network_id None) or edit a trusted range."""
    require(ctx, Feature.FULL_DATA_ACCESS)
    cidr = str(parse_network(values.get("cidr", ""), ctx.locale))
    clash = db.scalar(select(TrustedNetwork).where(TrustedNetwork.cidr == cidr))
    if clash is not None and clash.id != network_id:
        message = t("admin.trusted_network_exists", ctx.locale)
        raise ValidationFailed(message, fields={"cidr": message})
    row = TrustedNetwork() if network_id is None else db.get(TrustedNetwork, network_id)
    if row is None:
        raise NotFound(t("admin.not_found", ctx.locale))
    row.cidr = cidr
    row.note = str(values.get("note") or "").strip()[:200]
    db.add(row)
    db.flush()
    return row


def delete_trusted_network(db: Session, ctx: TenantContext, network_id: int) -> None:
    require(ctx, Feature.FULL_DATA_ACCESS)
    row = db.get(TrustedNetwork, network_id)
    if row is not None:
        db.delete(row)
        db.flush()


def trusted_networks(db: Session) -> list[Network]:
    """Every trusted range (rows that no longer parse are skipped rather than trusted)."""
    networks = []
    for cidr in db.scalars(select(TrustedNetwork.cidr)):
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            continue
    return networks

"""Which URLs may receive webhooks, and the signature integrators verify."""

from __future__ import annotations

import time

import pytest

from hub_app.domain.outbound_webhooks import addresses
from hub_app.domain.outbound_webhooks.addresses import AddressRefused, check_url
from hub_app.domain.outbound_webhooks.signing import signature_header, verify_signature
from hub_app.settings import reset_settings_cache


@pytest.fixture
def dns(monkeypatch):
    table = {"hooks.example.com": ["93.184.216.34"], "inside.example.com": ["10.0.0.7"],
             "mixed.example.com": ["93.184.216.34", "192.168.1.2"], "v6.example.com": ["::ffff:127.0.0.1"]}

    def resolve(host):
        if host not in table:
            raise OSError("no such name")
        return table[host]

    monkeypatch.setattr(addresses, "resolve", resolve)


@pytest.mark.parametrize("url", ["https://hooks.example.com/in", "https://93.184.216.34:8443/x",
                                 "http://localhost:8000/hook", "http://127.0.0.1:9/x"])
def test_public_https_and_local_development_addresses_are_accepted(dns, url):
    assert check_url(url) == url


@pytest.mark.parametrize("url,reason", [
    ("http://hooks.example.com/in", "https://"), ("https://inside.example.com/", "private"),
    ("https://mixed.example.com/", "private"), ("https://v6.example.com/", "private"),
    ("https://10.0.0.1/", "private"), ("https://172.16.5.4/", "private"), ("https://[fd00::1]/", "private"),
    ("https://169.254.169.254/latest/meta-data", "private"), ("https://0.0.0.0/", "private"),
    ("https://db.internal/x", "private"), ("https://intranet/x", "private"),
    ("https://nowhere.example.com/", "could not be found"), ("https://user:pw@hooks.example.com/", "full web address"),
    ("javascript:alert(1)", "full web address"), ("", "full web address"),
])
def test_other_addresses_are_refused_with_the_reason(dns, url, reason):
    with pytest.raises(AddressRefused) as refused:
        check_url(url)
    assert reason in str(refused.value)


def test_localhost_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("HUB_ENV", "prod")
    monkeypatch.setenv("HUB_SECRET_KEY", "x" * 40)
    reset_settings_cache()
    try:
        with pytest.raises(AddressRefused, match="private"):
            check_url("http://localhost:8000/hook")
    finally:
        monkeypatch.delenv("HUB_ENV")
        reset_settings_cache()


def test_refusals_are_translated():
    with pytest.raises(AddressRefused) as refused:
        check_url("http://hooks.example.com/in", "el")
    assert "https://" in str(refused.value) and "διεύθυνση" in str(refused.value)


def test_the_signature_checks_body_secret_and_age():
    body = b'{"id":"evt_1","type":"booking.created"}'
    now = int(time.time())
    header = signature_header(["whsec_a"], now, body)
    assert verify_signature("whsec_a", header, body)
    assert not verify_signature("whsec_b", header, body)
    assert not verify_signature("whsec_a", header, body + b" ")
    assert not verify_signature("whsec_a", signature_header(["whsec_a"], now - 600, body), body), "replayed later"
    assert not verify_signature("whsec_a", "t=abc,v1=00", body) and not verify_signature("whsec_a", "", body)
    both = signature_header(["whsec_new", "whsec_old"], now, body)
    assert verify_signature("whsec_new", both, body) and verify_signature("whsec_old", both, body)

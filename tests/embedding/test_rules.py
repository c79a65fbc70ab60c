"""What a manager may list as an embedding site and as the accent colour."""

from __future__ import annotations

import pytest

from hub_app.domain.embedding.rules import (
    MAX_EMBED_DOMAINS, check_accent_color, check_embed_domains, normalize_origin, text_color_on,
)
from hub_app.domain.embedding.snippet import embed_url, iframe_tag, script_tag
from hub_app.domain.errors import ValidationFailed
from hub_app.i18n import t


@pytest.mark.parametrize("typed, origin", [
    ("https://salon.example", "https://salon.example"),
    ("  HTTPS://Salon.Example/ ", "https://salon.example"),
    ("https://salon.example:443", "https://salon.example"),
    ("https://book.salon.example:8443", "https://book.salon.example:8443"),
    ("http://localhost:8080", "http://localhost:8080"),
    ("http://127.0.0.2:5000", "http://127.0.0.2:5000"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_an_origin_is_kept_exactly_as_browsers_send_it(typed, origin):
    assert normalize_origin(typed) == origin


@pytest.mark.parametrize("typed, key", [
    ("salon.example", "embed.domain_scheme"),
    ("ftp://salon.example", "embed.domain_scheme"),
    ("https://*.salon.example", "embed.domain_wildcard"),
    ("*", "embed.domain_wildcard"),
    ("https://salon.example/book", "embed.domain_path"),
    ("https://salon.example?x=1", "embed.domain_path"),
    ("https://salon.example#top", "embed.domain_path"),
    ("http://salon.example", "embed.domain_https"),
    ("https://user:pw@salon.example", "embed.domain_invalid"),
    ("https://salon", "embed.domain_invalid"),
    ("https://sa_lon.example", "embed.domain_invalid"),
    ("https://salon.example:99999", "embed.domain_invalid"),
])
def test_anything_but_an_origin_is_refused_naming_the_entry(typed, key):
    with pytest.raises(ValidationFailed) as refused:
        normalize_origin(typed, "el")
    message = refused.value.fields["embed_domains"]
    assert message == t(key, "el", entry=typed.strip()) and typed.strip() in message


def test_a_list_is_read_per_line_or_comma_without_repeats():
    typed = "https://a.example\nhttps://b.example, https://A.example/\n\n"
    assert check_embed_domains(typed) == ["https://a.example", "https://b.example"]
    assert check_embed_domains(["https://a.example"]) == ["https://a.example"]
    assert check_embed_domains("") == [] and check_embed_domains(None) == []
    too_many = [f"https://s{n}.example" for n in range(MAX_EMBED_DOMAINS + 1)]
    with pytest.raises(ValidationFailed) as refused:
        check_embed_domains(too_many)
    assert "embed_domains" in refused.value.fields
    with pytest.raises(ValidationFailed):  # one bad entry refuses the whole list: nothing half-saved
        check_embed_domains("https://ok.example\nhttps://bad.example/path")


def test_accent_colour_is_a_hex_colour_and_the_text_on_it_stays_readable():
    assert check_accent_color("#0D7A6F") == "#0d7a6f"
    assert check_accent_color("abc") == "#aabbcc"
    assert check_accent_color("") is None and check_accent_color(None) is None
    for bad in ("red", "#12345", "#1234567", "rgb(0,0,0)", "#ggg"):
        with pytest.raises(ValidationFailed) as refused:
            check_accent_color(bad)
        assert refused.value.fields == {"embed_accent_color": t("embed.color_invalid")}
    assert text_color_on("#0d7a6f") == "#ffffff"
    assert text_color_on("#ffdd00") == "#111111"


def test_the_snippets_point_at_this_app_and_escape_what_they_quote():
    assert embed_url("https://hub.example/", "salon", 7) == "https://hub.example/embed/salon?service=7"
    assert script_tag("https://hub.example", "salon") == \
        '<script src="https://hub.example/embed.js" data-store="salon" async></script>'
    assert 'data-accent="#aa3300"' in script_tag("https://hub.example", "salon", "#aa3300")
    assert 'title="A &quot;b&quot;"' in iframe_tag("https://hub.example", "salon", 'A "b"')

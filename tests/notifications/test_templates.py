"""Template rendering: whitelisted placeholders only, no format-string tricks, escaped HTML."""

from __future__ import annotations

import pytest

from hub_app.domain.notifications.models import Channel, NotificationKind
from hub_app.domain.notifications.templates import (
    DEFAULTS, PLACEHOLDERS, Wording, render, substitute, unknown_placeholders,
)

VALUES = {name: f"<{name}>" for name in PLACEHOLDERS}


def test_every_automated_kind_has_english_and_greek_defaults_for_both_channels():
    kinds = [k for k in NotificationKind if k not in (NotificationKind.MANUAL, NotificationKind.ACCOUNT)]
    for kind in kinds:
        for channel in Channel:
            for locale in ("en", "el"):
                wording = DEFAULTS[(kind, channel, locale)]
                assert unknown_placeholders(wording.body) == []
                assert (wording.subject is not None) == (channel == Channel.EMAIL)


def test_format_string_attacks_are_left_as_literal_text():
    hostile = "{first_name.__class__} {store!r} {date:%Y} {0} {__import__} {amount}"
    out = substitute(hostile, {"first_name": "Eleni", "store": "S", "date": "d", "amount": "€5"})
    assert out == "{first_name.__class__} {store!r} {date:%Y} {0} {__import__} €5"


def test_values_are_inserted_once_never_expanded_again():
    out = substitute("Hi {first_name} at {store}", {"first_name": "{store}", "store": "Salon"})
    assert out == "Hi {store} at Salon"


def test_unknown_placeholders_are_reported():
    assert unknown_placeholders("{first_name} {evil} {x.y}") == ["evil"]
    assert unknown_placeholders("{manage_link}", ("first_name",)) == ["manage_link"]


def test_html_email_escapes_values_and_template_text():
    wording = Wording("Hi {first_name}", "Hello {first_name} <b>bold</b>\n\nManage: {manage_link}")
    values = {"first_name": '<script>alert("x")</script>', "manage_link": 'https://h.example/a?b=1&c="2"'}
    rendered = render(wording, values, Channel.EMAIL)
    assert "<script>" not in rendered.body_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered.body_html
    assert "&lt;b&gt;bold&lt;/b&gt;" in rendered.body_html
    assert '<a href="https://h.example/a?b=1&amp;c=&quot;2&quot;">' in rendered.body_html
    # The plain part carries the text as written.
    assert rendered.body.startswith('Hello <script>alert("x")</script>')
    assert rendered.subject == 'Hi <script>alert("x")</script>'


def test_sms_has_no_subject_or_html():
    rendered = render(DEFAULTS[(NotificationKind.REMINDER, Channel.SMS, "en")], VALUES, Channel.SMS)
    assert rendered.subject is None and rendered.body_html is None
    assert "<store>" in rendered.body


def test_babel_narrow_spaces_are_normalised_so_english_sms_stays_gsm7():
    assert substitute("{time}", {"time": "10:00\u202fAM"}) == "10:00 AM"


@pytest.mark.parametrize("locale", ["en", "el"])
def test_defaults_render_without_leftover_placeholders(locale):
    for (kind, channel, loc), wording in DEFAULTS.items():
        if loc != locale:
            continue
        rendered = render(wording, {k: "v" for k in PLACEHOLDERS}, channel)
        assert "{" not in rendered.body and "{" not in (rendered.subject or "")

"""The real EasySMS client against the local fake server: wire format, answers, failures."""

from __future__ import annotations

import pytest

from hub_app.domain.notifications.sms import EasySmsClient, measure, to_msisdn
from tests.notifications.conftest import free_port


@pytest.fixture
def client(fake_easysms):
    sms = EasySmsClient(fake_easysms.api_key, "HubSalon", fake_easysms.base_url)
    yield sms
    sms.close()


def test_send_posts_the_documented_form_parameters(client, fake_easysms):
    result = client.send("+306971234567", "Your booking is confirmed", callback_url="https://hub.example/webhooks/easysms/t")
    assert result.ok and result.message_id == "358731178"
    assert result.segments == 1 and result.unicode is False
    (request,) = fake_easysms.sends()
    assert request.method == "POST"
    assert request.content_type.startswith("application/x-www-form-urlencoded")
    assert request.params == {
        "key": fake_easysms.api_key, "to": "306971234567", "from": "HubSalon",
        "text": "Your booking is confirmed", "type": "json",
        "callback": "https://hub.example/webhooks/easysms/t",
    }


def test_greek_text_is_sent_as_unicode_and_counted_in_ucs2_segments(client, fake_easysms):
    text = "Υπενθύμιση: το ραντεβού σας για κούρεμα είναι αύριο στις 10:00. Ευχαριστούμε!"
    result = client.send("+306971234567", text)
    assert result.ok and result.unicode and result.segments == 2   # 77 UCS-2 units > 70 -> 67 per part
    (request,) = fake_easysms.sends()
    assert request.params["ucs"] == "true"
    assert request.params["text"] == text    # UTF-8 round trip, untouched
    assert fake_easysms.sent[result.message_id].text == text


def test_greek_capitals_that_exist_in_gsm7_stay_gsm7(client, fake_easysms):
    result = client.send("+306971234567", "ΓΔΘΛΞΠΣΦΨΩ OK")
    assert result.ok and not result.unicode
    assert "ucs" not in fake_easysms.sends()[0].params


def test_json_error_answer_is_a_failure_with_code_and_remarks(fake_easysms):
    wrong_key = EasySmsClient("not-the-key", "HubSalon", fake_easysms.base_url)
    result = wrong_key.send("+306971234567", "hello")
    wrong_key.close()
    assert not result.ok and result.error_code == "101" and result.remarks == "Wrong account key"
    assert result.retryable is False
    assert "101" in result.error_text


def test_insufficient_balance_is_retryable(client, fake_easysms):
    fake_easysms.balance = 0
    result = client.send("+306971234567", "hello")
    assert not result.ok and result.error_code == "105" and result.retryable


def test_invalid_sender_is_permanent(fake_easysms):
    sms = EasySmsClient(fake_easysms.api_key, "Κομμωτήριο Ελένη", fake_easysms.base_url)
    result = sms.send("+306971234567", "hello")
    sms.close()
    assert not result.ok and result.error_code == "40" and not result.retryable


def test_server_error_and_html_page_are_retryable_failures(client, fake_easysms):
    fake_easysms.queue_answer(503, "<html>busy</html>", "text/html")
    fake_easysms.queue_answer(200, "<html><body>Maintenance</body></html>", "text/html")
    first, second = client.send("+306971234567", "a"), client.send("+306971234567", "b")
    assert not first.ok and first.retryable and "503" in first.remarks
    assert not second.ok and second.retryable and "Maintenance" in second.remarks


def test_plain_v2_answer_is_read_as_the_message_id(client, fake_easysms):
    fake_easysms.queue_answer(200, "358799999", "text/plain")
    result = client.send("+306971234567", "hello")
    assert result.ok and result.message_id == "358799999"


def test_status_other_than_one_is_failure_even_with_an_id(client, fake_easysms):
    fake_easysms.queue_answer(200, {"status": "0", "id": "1", "error": "106", "remarks": "Message could not be sent"})
    result = client.send("+306971234567", "hello")
    assert not result.ok and result.error_code == "106" and result.retryable


def test_unreachable_server_is_a_retryable_network_error():
    sms = EasySmsClient("k", "HubSalon", f"http://127.0.0.1:{free_port()}", timeout=2)
    result = sms.send("+306971234567", "hello")
    sms.close()
    assert not result.ok and result.retryable and "network error" in result.remarks


def test_invalid_number_is_refused_before_calling(client, fake_easysms):
    result = client.send("6971234567x", "hello")
    assert not result.ok and result.error_code == "103" and not result.retryable
    assert fake_easysms.sends() == []


def test_balance_reads_the_balance_field(client, fake_easysms):
    assert client.balance() == fake_easysms.balance


@pytest.mark.parametrize("text, unicode, segments", [
    ("", False, 0),
    ("a" * 160, False, 1),
    ("a" * 161, False, 2),
    ("a" * 306, False, 2),
    ("a" * 307, False, 3),
    ("€" * 80, False, 1),          # extension characters count twice: 160 septets
    ("€" * 81, False, 2),
    ("ά" * 70, True, 1),
    ("ά" * 71, True, 2),
    ("ά" * 134, True, 2),
    ("ά" * 135, True, 3),
    ("a" * 69 + "😀", True, 2),     # an emoji is two UTF-16 units
])
def test_segment_counting(text, unicode, segments):
    encoding = measure(text)
    assert (encoding.unicode, encoding.segments) == (unicode, segments)


@pytest.mark.parametrize("number, msisdn", [("+306971234567", "306971234567"), ("00306971234567", "306971234567"),
                                            ("+30 697 123 4567", "306971234567")])
def test_msisdn_form(number, msisdn):
    assert to_msisdn(number) == msisdn


def test_outbound_proxy_setting_routes_the_call_through_the_proxy(fake_easysms, monkeypatch):
    """The fake also answers absolute-form requests, so it can stand in for the egress proxy."""
    from hub_app.domain.notifications.dispatch import providers_from_settings
    from hub_app.settings import reset_settings_cache

    for key, value in {"EASYSMS_API_KEY": fake_easysms.api_key, "EASYSMS_SENDER": "HubSalon",
                       "EASYSMS_API_BASE": "http://easysms.invalid", "OUTBOUND_HTTP_PROXY": fake_easysms.base_url}.items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()
    providers = providers_from_settings()
    try:
        assert providers.sms.send("+306971234567", "via proxy").ok
    finally:
        providers.close()
        reset_settings_cache()
    (request,) = fake_easysms.sends()
    assert request.target == "http://easysms.invalid/api/sms/send"

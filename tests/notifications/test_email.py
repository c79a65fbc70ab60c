"""Email through a real local SMTP server (aiosmtpd) that captures what arrives."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub_app.domain.notifications.email import SmtpSender, build_message, ics_attachment
from hub_app.domain.notifications.models import Channel
from hub_app.domain.notifications.templates import Wording, render
from tests.notifications.conftest import CapturingHandler, free_port

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:booking-1@hub\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def _message(**overrides):
    rendered = render(Wording("Booking confirmed: {service}", "Hello {first_name},\n\nSee you at {store}."),
                      {"first_name": "Eleni <img src=x onerror=alert(1)>", "service": "Cut", "store": "Salon & Co"},
                      Channel.EMAIL)
    fields = dict(from_addr="Salon Hub <bookings@hub.example>", to="eleni@example.com", subject=rendered.subject,
                  body=rendered.body, body_html=rendered.body_html, attachments=(ics_attachment(ICS),))
    fields.update(overrides)
    return build_message(**fields)


def test_plain_html_and_ics_arrive(smtp_server):
    controller, handler = smtp_server
    sender = SmtpSender("127.0.0.1", controller.port, starttls=False, from_addr="bookings@hub.example")
    result = sender.send(_message())
    assert result.ok and result.message_id
    (received,) = handler.messages
    assert handler.envelopes[0].rcpt_tos == ["eleni@example.com"]
    assert received["Subject"] == "Booking confirmed: Cut"
    plain = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "Hello Eleni <img src=x onerror=alert(1)>," in plain
    assert "<img" not in html and "Eleni &lt;img src=x onerror=alert(1)&gt;" in html
    assert "Salon &amp; Co" in html
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "booking.ics"
    payload = attachment.get_payload(decode=True)
    assert payload == ICS


def test_subject_newlines_cannot_inject_headers(smtp_server):
    controller, handler = smtp_server
    sender = SmtpSender("127.0.0.1", controller.port, starttls=False)
    assert sender.send(_message(subject="Hi\r\nBcc: victim@example.com")).ok
    (received,) = handler.messages
    assert received["Bcc"] is None and handler.envelopes[0].rcpt_tos == ["eleni@example.com"]
    assert received["Subject"] == "Hi Bcc: victim@example.com"


def test_refused_connection_is_retryable():
    result = SmtpSender("127.0.0.1", free_port(), starttls=False, timeout=3).send(_message())
    assert not result.ok and result.retryable and "SMTP connection" in result.error


def _self_signed() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


@pytest.fixture
def tls_smtp_server(tmp_path):
    cert_pem, key_pem = _self_signed()
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
        return AuthResult(success=ok, handled=False)

    handler = CapturingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), tls_context=server_context,
                            require_starttls=True, auth_required=True, authenticator=authenticator)
    controller.start()
    client_context = ssl.create_default_context(cadata=cert_pem.decode())
    yield controller, handler, client_context
    controller.stop()


def test_starttls_and_login(tls_smtp_server):
    controller, handler, client_context = tls_smtp_server
    sender = SmtpSender("127.0.0.1", controller.port, starttls=True, user="mailer", password="s3cret",
                        ssl_context=client_context)
    assert sender.send(_message()).ok
    assert len(handler.messages) == 1


def test_wrong_password_is_a_permanent_failure(tls_smtp_server):
    controller, handler, client_context = tls_smtp_server
    sender = SmtpSender("127.0.0.1", controller.port, starttls=True, user="mailer", password="wrong",
                        ssl_context=client_context, timeout=10)
    result = sender.send(_message())
    assert not result.ok and not result.retryable and "login failed" in result.error
    assert handler.messages == []

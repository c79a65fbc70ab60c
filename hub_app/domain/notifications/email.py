"""Email through SMTP (EasySMS sends no email): plain text + HTML, optional .ics attachment."""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EmailResult:
    ok: bool
    message_id: str | None = None
    error: str | None = None
    retryable: bool = False


def build_message(*, from_addr: str, to: str, subject: str, body: str, body_html: str | None = None,
                  attachments: tuple[Attachment, ...] = (), message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_addr
    message["To"] = to
    # Header injection: newlines in a subject would start new headers; EmailMessage refuses
    # them, and a subject comes from templates with client data, so fold them to spaces first.
    message["Subject"] = " ".join((subject or "").split())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain=_domain_of(from_addr))
    message.set_content(body)
    if body_html:
        message.add_alternative(body_html, subtype="html")
    for item in attachments:
        message.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype,
                               filename=item.filename, params=item.params)
    return message


def _domain_of(address: str) -> str:
    _, email = parseaddr(address)
    return email.rpartition("@")[2] or "localhost"


def ics_attachment(content: bytes, filename: str = "booking.ics") -> Attachment:
    return Attachment(filename=filename, content=content, maintype="text", subtype="calendar",
                      params={"method": "PUBLISH"})


class SmtpSender:
    """Sends one message per connection: notifications are few, and a fresh connection never
    inherits a half-broken session from an earlier failure."""

    def __init__(self, host: str, port: int = 587, *, starttls: bool = True, user: str | None = None,
                 password: str | None = None, from_addr: str = "no-reply@localhost", timeout: float = 30.0,
                 ssl_context: ssl.SSLContext | None = None):
        self.host = host
        self.port = port
        self.starttls = starttls
        self.user = user
        self.password = password
        self.from_addr = from_addr
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> EmailResult:
        message_id = str(message["Message-ID"] or "")
        try:
            with self._connect() as smtp:
                if self.starttls and self.port != 465:
                    smtp.starttls(context=self.ssl_context)
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            return EmailResult(ok=False, error=f"recipient refused: {exc.recipients}",
                               retryable=all(400 <= c < 500 for c in codes))
        except smtplib.SMTPAuthenticationError as exc:
            return EmailResult(ok=False, error=f"SMTP login failed ({exc.smtp_code})", retryable=False)
        except smtplib.SMTPResponseException as exc:
            return EmailResult(ok=False, error=f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                               retryable=exc.smtp_code < 500)
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            return EmailResult(ok=False, error=f"SMTP connection: {type(exc).__name__}: {exc}", retryable=True)
        return EmailResult(ok=True, message_id=message_id.strip("<>")[:100])

    def _connect(self) -> smtplib.SMTP:
        if self.port == 465:  # implicit TLS
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def sender_address(from_setting: str) -> str:
    """Validate the From setting once ("Name <addr>" or a bare address)."""
    name, email = parseaddr(from_setting)
    if "@" not in email:
        raise ValueError(f"SMTP_FROM is not an email address: {from_setting!r}")
    return str(Address(display_name=name, addr_spec=email))

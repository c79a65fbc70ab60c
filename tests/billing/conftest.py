"""The notification fixtures (fake EasySMS, capturing SMTP, provider settings) for SMS allowances."""

from tests.notifications.conftest import fake_easysms, provider_env, smtp_server  # noqa: F401 (fixtures)

"""SMS sending through a backend chosen in settings.SMS_BACKEND, like EMAIL_BACKEND.

- ConsoleBackend: prints the message to the server console (development, `make run`).
- FileBackend: appends one JSON line per message to SMS_FILE_PATH/messages.jsonl.
- LocmemBackend: keeps messages in `outbox` (tests read codes from here).
- HttpBackend: POSTs JSON to an SMS provider gateway (production; see docs/DEPLOYMENT.md).
"""

import json
import logging
import sys
import threading
import urllib.request
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message could not be handed to the provider."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    params: dict


class BaseBackend:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


class ConsoleBackend(BaseBackend):
    """Prints the message, code included, to the server's terminal: the demo's SMS gateway.
    Only ever used when chosen explicitly (SMS_BACKEND, set by `make run`/`make dev`); it
    writes to stdout, not to the logs, and masks the phone number."""

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"[短信] 发送至 {_masked(message.phone)}: {message.text}\n")
        sys.stdout.flush()


class FileBackend(BaseBackend):
    """An outbox file for development and end-to-end tests (it holds the codes: never chosen
    on a production server)."""

    def send(self, message: SmsMessage) -> None:
        folder = settings.SMS_FILE_PATH
        folder.mkdir(parents=True, exist_ok=True)
        record = asdict(message) | {"sent_at": timezone.now().isoformat()}
        with open(folder / "messages.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class LocmemBackend(BaseBackend):
    def send(self, message: SmsMessage) -> None:
        with _outbox_lock:
            outbox.append(message)


class HttpBackend(BaseBackend):
    """Generic provider gateway: POST {phone, sign_name, template_id, params} with a bearer key.

    Settings: SMS_HTTP_URL, SMS_HTTP_API_KEY, SMS_HTTP_SIGN_NAME, SMS_HTTP_TEMPLATE_ID,
    SMS_HTTP_TIMEOUT. A non-2xx answer or a network error raises SmsError.
    """

    def send(self, message: SmsMessage) -> None:
        if not settings.SMS_HTTP_URL.startswith("https://"):
            raise SmsError("SMS_HTTP_URL 必须是 https 地址。")
        body = json.dumps(
            {
                "phone": message.phone,
                "sign_name": settings.SMS_HTTP_SIGN_NAME,
                "template_id": settings.SMS_HTTP_TEMPLATE_ID,
                "params": message.params,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            settings.SMS_HTTP_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_API_KEY}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsError(f"短信网关返回 {response.status}")
        except OSError as exc:
            logger.warning("SMS gateway failed: %s", type(exc).__name__)
            raise SmsError("短信发送失败，请稍后再试。") from exc


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, text: str, **params) -> None:
    get_backend().send(SmsMessage(phone=phone, text=text, params=params))

"""Password rules of the system: 8 to 128 printable characters, 3 of 4 character classes,
never the username, none of the account's last 5 passwords."""

import re

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

CLASSES = [
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^a-zA-Z0-9]"), "特殊字符"),
]


class CharacterClassValidator:
    required = 3

    def validate(self, password: str, user: object = None) -> None:
        present = sum(1 for pattern, _ in CLASSES if pattern.search(password))
        if present < self.required:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return "密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。"


class PrintableValidator:
    """At most `max_length` characters and no control characters: a pasted 100,000-character
    text took seconds to check, and a control character cannot be typed at a login box."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"密码太长，最多 {self.max_length} 个字符。", code="password_too_long"
            )
        if any(ord(c) < 32 or ord(c) == 127 for c in password):
            raise ValidationError(
                "密码不能包含控制字符（如换行、制表符）。", code="password_control"
            )

    def get_help_text(self) -> str:
        return f"密码最多 {self.max_length} 个字符，不能包含换行等控制字符。"


class NoUsernameValidator:
    def validate(self, password: str, user: object = None) -> None:
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a Chinese message: Django 5.2 changed the English text of
    this message and its zh_Hans catalogue has no translation for it, so the page showed it
    in English."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class PasswordHistoryValidator:
    """A new password may not be the current one nor any of the last ones: the account's
    `recent_password_hashes()` (villages.models.User, from its PasswordHistory) are compared
    with the hasher, the passwords themselves are never kept."""

    MESSAGE = "新密码不能与最近5次使用过的密码相同。"

    def validate(self, password: str, user: object = None) -> None:
        recent = getattr(user, "recent_password_hashes", None)
        if recent is None:
            return
        if any(check_password(password, encoded) for encoded in recent()):
            raise ValidationError(self.MESSAGE, code="password_reused")

    def get_help_text(self) -> str:
        return self.MESSAGE

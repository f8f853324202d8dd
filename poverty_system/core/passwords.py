"""Password rules of the system: at least 8 characters, 3 of 4 character classes, never the
username, none of the account's last 5 passwords."""

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

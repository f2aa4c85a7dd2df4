"""Password validators whose messages say what to do, not only what is wrong."""

from __future__ import annotations

from django.contrib.auth import password_validation


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return (
            "This password is too common: it is on the list of passwords attackers try "
            "first. Choose another, for example three or four unrelated words."
        )

    def get_help_text(self) -> str:
        return "Your password can’t be a commonly used password."


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return "This password is entirely numeric: add letters or other characters."

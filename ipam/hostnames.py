"""Hostnames: RFC 1123 names, checked with one validator at every door (form, API, import).

A hostname is dot-separated labels of 1 to 63 letters, digits and hyphens, not
starting or ending with a hyphen, 253 characters at most. The message names
the first character that is wrong and where it is, so a user can fix it
without guessing. Names learnt from DNS (PTR) or SNMP are stored as found.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

MAX_NAME = 253
MAX_LABEL = 63
ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
RULE = "use letters a–z, digits and hyphens, with dots between labels"


def _describe(char: str) -> str:
    """A character as a person can spot it: “!”, or the name of an invisible one."""
    if char == " ":
        return "a space"
    if char.isprintable() and not char.isspace():
        return f"“{char}”"
    name = unicodedata.name(char, "")
    return f"{name.lower() or 'a control character'} (U+{ord(char):04X})"


def check_hostname(value: str) -> None:
    """ValidationError unless `value` is an RFC 1123 hostname (empty is allowed: no name)."""
    if not value:
        return
    if len(value) > MAX_NAME:
        raise ValidationError(
            f"A hostname has at most {MAX_NAME} characters; this one has {len(value)}."
        )
    position = 0
    labels = value.split(".")
    for index, label in enumerate(labels):
        for offset, char in enumerate(label):
            if char not in ALLOWED:
                raise ValidationError(
                    f"“{value}”: {_describe(char)} at position {position + offset + 1} is not "
                    f"allowed in a hostname; {RULE}."
                )
        if not label:
            if index == 0:
                problem = "starts with a dot: remove it"
            elif index == len(labels) - 1:
                problem = "ends with a dot: remove it"
            else:
                problem = f"has two dots in a row at position {position + 1}: remove one"
            raise ValidationError(f"“{value}” {problem}.")
        if label.startswith("-") or label.endswith("-"):
            raise ValidationError(
                f"“{value}”: the label “{label}” starts or ends with a hyphen; a hyphen may "
                "only sit between letters or digits."
            )
        if len(label) > MAX_LABEL:
            raise ValidationError(
                f"The label “{label[:20]}…” has {len(label)} characters: each part between "
                f"dots has at most {MAX_LABEL}."
            )
        position += len(label) + 1

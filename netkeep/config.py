"""Reading settings from the environment: one helper per kind of value, each with its range.

A bad value stops the process at start with one line that names the variable,
the value and what is expected, for example

    Configuration error: NETKEEP_PING_TIMEOUT_S='abc' is not valid: expected a
    number from 0.01 to 60 (seconds); unset it for the default, 1.0.

instead of a traceback from deep inside the first sweep. Every variable FOO
may also come from a file named by FOO_FILE (Docker/Kubernetes secrets);
secret values are never echoed.
"""

from __future__ import annotations

import ipaddress
import math
import sys
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypedDict, TypeVar

import environ
from environ.fileaware_mapping import FileAwareMapping

T = TypeVar("T")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class _SecretFiles(FileAwareMapping):
    """FOO_FILE contents without the trailing newline that `echo` and editors leave."""

    def __getitem__(self, key: str) -> str:
        value: str = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(key + "_FILE") else value


class _Env(environ.FileAwareEnv):
    ENVIRON = _SecretFiles()


_env = _Env()


def read_env_file(path: Path) -> None:
    """Load a .env file without overriding what the process environment already sets."""
    _Env.read_env(path, overwrite=False)


def stop(message: str) -> NoReturn:
    """Stop the process with one line on stderr (no traceback) and exit status 2."""
    sys.stderr.write(f"Configuration error: {message}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def refuse(name: str, shown: str, expected: str) -> NoReturn:
    """Stop the process: the variable, its value and what is expected, in one line."""
    stop(f"{name}={shown} is not valid: expected {expected}.")


def raw(name: str) -> str | None:
    """The variable's text (from FOO or FOO_FILE), or None when it is unset or empty."""
    try:
        value: str = _env.str(name, default="")
    except OSError as error:  # FOO_FILE names a file that cannot be read
        refuse(f"{name}_FILE", repr(error.filename), f"a readable file ({error.strerror})")
    return value if value.strip() else None


def _parsed(
    name: str, default: T, parse: Callable[[str], T], expected: str, secret: bool = False
) -> T:
    text = raw(name)
    if text is None:
        return default
    try:
        return parse(text.strip())
    except (ValueError, TypeError):
        shown = "(hidden)" if secret else repr(text)
        hint = "" if secret or default is None else f"; unset it for the default, {default}"
        refuse(name, shown, expected + hint)


def _range_text(low: float | None, high: float | None, unit: str) -> str:
    suffix = f" ({unit})" if unit else ""
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}{suffix}"
    if low is not None:
        return f"at least {low:g}{suffix}"
    return f"at most {high:g}{suffix}" if high is not None else suffix.strip()


def env_int(
    name: str, default: int, low: int | None = None, high: int | None = None, unit: str = ""
) -> int:
    """A whole number within [low, high]."""
    expected = f"a whole number {_range_text(low, high, unit)}".strip()

    def parse(text: str) -> int:
        if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
            raise ValueError(text)
        value = int(text)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(text)
        return value

    return _parsed(name, default, parse, expected)


def env_optional_int(
    name: str, low: int | None = None, high: int | None = None, unit: str = ""
) -> int | None:
    """A whole number within [low, high], or None when unset."""
    return env_int(name, None, low, high, unit)  # type: ignore[arg-type]


def env_float(
    name: str, default: float, low: float | None = None, high: float | None = None, unit: str = ""
) -> float:
    """A finite number within [low, high]."""
    expected = f"a number {_range_text(low, high, unit)}".strip()

    def parse(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(text)
        return value

    return _parsed(name, default, parse, expected)


def _bool(text: str) -> bool:
    if text.lower() in TRUE:
        return True
    if text.lower() in FALSE:
        return False
    raise ValueError(text)


def env_bool(name: str, default: bool) -> bool:
    """true/false, yes/no, on/off or 1/0 (any case); anything else is refused, not read as false."""
    return _parsed(name, default, _bool, "true or false (also yes/no, on/off, 1/0)")


def env_optional_bool(name: str) -> bool | None:
    """A boolean, or None when unset (meaning: detect)."""
    return _parsed(name, None, _bool, "true, false, or unset to detect")


def env_str(name: str, default: str) -> str:
    """Text as given (surrounding spaces kept: it may be a password)."""
    text = raw(name)
    return default if text is None else text


def env_choice(name: str, default: str, choices: list[str]) -> str:
    """One of `choices` (any case in, the listed spelling out)."""
    by_upper = {c.upper(): c for c in choices}

    def parse(text: str) -> str:
        if text.upper() not in by_upper:
            raise ValueError(text)
        return by_upper[text.upper()]

    return _parsed(name, default, parse, "one of " + ", ".join(choices))


def env_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated values; empty items dropped."""
    text = raw(name)
    if text is None:
        return list(default)
    return [item.strip() for item in text.split(",") if item.strip()]


def env_addresses(name: str) -> list[str]:
    """Comma-separated IP addresses (canonical text); empty when unset."""

    def parse(text: str) -> list[str]:
        return [str(ipaddress.ip_address(item.strip())) for item in text.split(",") if item.strip()]

    return _parsed(name, [], parse, "comma-separated IP addresses such as 192.0.2.53,2001:db8::53")


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name such as Europe/Berlin."""

    def parse(text: str) -> str:
        try:
            zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(text) from None
        return text

    return _parsed(name, default, parse, "an IANA time zone name such as UTC or Europe/Berlin")


class DatabaseConfig(TypedDict, total=False):
    """One entry of Django's DATABASES, as a database URL gives it and settings complete it."""

    ENGINE: str
    NAME: str
    USER: str
    PASSWORD: str
    HOST: str
    PORT: str | int
    OPTIONS: dict[str, object]
    CONN_MAX_AGE: int
    CONN_HEALTH_CHECKS: bool


def env_db(name: str, default: str) -> DatabaseConfig:
    """A database URL (postgres://… or sqlite:///…), as Django's DATABASES entry."""
    text = raw(name) or default
    config: DatabaseConfig
    try:
        config = environ.Env.db_url_config(text)
    except Exception:  # django-environ raises several kinds for a bad URL
        config = {}
    if config.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        refuse(
            name,
            repr(_without_password(text)),
            "a database URL such as postgres://netkeep@db:5432/netkeep or "
            "sqlite:////var/lib/netkeep/netkeep.sqlite3",
        )
    return config


def _without_password(url: str) -> str:
    """The URL with any password replaced, so the message never shows it."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if sep and at and ":" in userinfo:
        return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
    return url

"""Production settings refuse to start without a secret key and host names (checked in a fresh interpreter)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
GOOD_SECRET = secrets.token_urlsafe(60)


def _import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "VIRTUAL_ENV"}
    }
    base.update(
        {
            "CUS_DEBUG": "0",
            "CUS_TESTING": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'settings.sqlite3'}",
            "CUS_VAR_DIR": str(tmp_path),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    base.update(env)
    code = (
        "import cus.settings as s; "
        "print('ok', s.DEBUG, s.PASSWORD_HASHERS[0], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CUS_REQUIRE_2FA)"
    )
    return subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    "env",
    [
        {"ALLOWED_HOSTS": "cus.example.gov.pl"},
        {"ALLOWED_HOSTS": "cus.example.gov.pl", "SECRET_KEY": "short"},
        {
            "ALLOWED_HOSTS": "cus.example.gov.pl",
            "SECRET_KEY": "insecure-development-key-only-for-local-use-never-in-production",
        },
    ],
    ids=["no-secret", "short-secret", "development-secret"],
)
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path: Path, env: dict[str, str]) -> None:
    result = _import_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_missing_allowed_hosts(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_a_secret_and_hosts_and_is_hardened(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="cus.example.gov.pl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "ok",
        "False",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "True",
        "True",
        "True",
    ]


def test_a_malformed_boolean_is_refused(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, CUS_DEBUG="perhaps")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CUS_DEBUG" in result.stderr


def test_the_test_settings_use_fast_hashing_and_local_services() -> None:
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    assert settings.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.TASKS["default"]["BACKEND"] == "django.tasks.backends.immediate.ImmediateBackend"


@pytest.mark.parametrize(
    ("value", "expected"), [(None, str(2**31 - 1)), ("true", str(2**31 - 1)), ("false", "None")], ids=str
)
def test_prepared_statements_on_postgresql_can_be_turned_off(tmp_path: Path, value: str | None, expected: str) -> None:
    env = {"CUS_DEBUG": "1", "DATABASE_URL": "postgres://cus@db.example:5432/cus"}
    if value is not None:
        env["CUS_DB_PREPARED_STATEMENTS"] = value
    code = "import cus.settings as s; print(s.DATABASES['default'].get('OPTIONS', {}).get('prepare_threshold'))"
    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "CUS_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected

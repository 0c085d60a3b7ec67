"""Production settings pass Django's deployment checks; the example service files run commands
that exist with options they accept."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

PROJECT = Path(__file__).resolve().parents[3]
DEPLOY = PROJECT / "docs" / "deploy"

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "finance.example.bg",
    "CSRF_TRUSTED_ORIGINS": "https://finance.example.bg",
    "BASE_URL": "https://finance.example.bg",
    "SECURE_COOKIES": "true",
    "TRUSTED_PROXY": "10.0.0.10",
}


def run_check(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # Not the test process's own switches: the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for
    # Playwright, which `check --deploy` rightly refuses in production.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HUEY_IMMEDIATE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(env_overrides)
    env.update({"XFINANCES_DATA_DIR": str(tmp_path), "PYTHONPATH": str(PROJECT)})
    return subprocess.run(
        [sys.executable, "-m", "xfinances", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_check(PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_them(tmp_path):
    """The check is real: the development defaults are reported."""
    result = run_check({"DEBUG": "true", "SECURE_COOKIES": "false"}, tmp_path)
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr + result.stdout


def commands_in(path: Path) -> list[list[str]]:
    found = []
    for match in re.finditer(r"/opt/xfinances/\.venv/bin/xfinances ([^;'\n]+)", path.read_text()):
        words = [w for w in match.group(1).split() if not w.startswith("/srv/")]
        found.append(words)
    return found


@pytest.mark.parametrize(
    "unit", ["xfinances-web@.service", "xfinances-worker@.service", "xfinances-backup.service"]
)
def test_service_files_run_commands_that_exist(unit):
    commands = commands_in(DEPLOY / unit)
    assert commands
    known = get_commands()
    for words in commands:
        name, options = words[0], [w for w in words[1:] if w.startswith("--")]
        assert name in known, name
        parser = load_command_class(known[name], name).create_parser("xfinances", name)
        accepted = {o for action in parser._actions for o in action.option_strings}
        assert set(options) <= accepted, (unit, options)


def test_environment_example_names_only_real_settings():
    readme = (PROJECT / "README.md").read_text() + (PROJECT / "docs" / "deploy.md").read_text()
    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "xfinances.env").read_text(), re.MULTILINE)
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    undocumented = [n for n in names if f"`{n}`" not in readme]
    assert not undocumented, undocumented

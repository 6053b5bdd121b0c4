"""Every LAMBDACTL_* setting is parsed through lambdactl/settings.py: one behaviour for bad values,
one table for `help configuration` and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lambdactl
from lambdactl import errors, settings

SOURCES = Path(lambdactl.__file__).parent
README = Path(__file__).parent.parent / "README.md"


def test_the_readme_table_is_the_registry():
    text = README.read_text()
    start = text.index("<!-- settings-table")
    body = text[text.index("\n", start) + 1 : text.index("<!-- /settings-table -->")]
    assert body == settings.markdown_table(), "regenerate it: python -m lambdactl.settings"


def test_help_configuration_lists_every_setting(cli):
    out = cli("help", "configuration").stdout
    assert settings.help_text() in out
    assert all(setting.name in out for setting in settings.SETTINGS)


def test_no_module_reads_a_lambdactl_variable_itself():
    """os.environ is read for LAMBDACTL_* names only in settings.py; every name the code spells is registered."""
    for path in SOURCES.rglob("*.py"):
        if path.name == "settings.py" or "bootstraps" in path.parts:
            continue
        text = path.read_text()
        for line in text.splitlines():
            if "os.environ" in line and re.search(r"(?<!_)LAMBDACTL_", line):
                pytest.fail(f"{path.relative_to(SOURCES)} reads a setting without lambdactl.settings: {line.strip()}")
        for name in re.findall(r'"(LAMBDACTL_[A-Z0-9_]*)', text):
            settings.lookup(name)  # KeyError: a setting missing from the table


@pytest.mark.parametrize("setting", [s for s in settings.SETTINGS if s.parse in (settings.number, settings.integer)],
                         ids=lambda s: s.name)  # fmt: skip
def test_a_number_setting_that_is_not_one_is_a_configuration_error(monkeypatch, setting):
    monkeypatch.setenv(setting.name, "abc")
    with pytest.raises(errors.ConfigurationError) as caught:
        setting.get()
    assert caught.value.message == f"{setting.name} must be a number, got 'abc'"


def test_kinds(monkeypatch):
    monkeypatch.setenv("LAMBDACTL_CONCURRENCY_LIMIT", " 2.5 ")
    assert settings.CONCURRENCY_LIMIT.get() == 2
    monkeypatch.setenv("LAMBDACTL_CONCURRENCY_LIMIT", "")
    assert settings.CONCURRENCY_LIMIT.get() == 1000
    monkeypatch.setenv("LAMBDACTL_CONCURRENCY_LIMIT", "inf")
    with pytest.raises(errors.ConfigurationError, match="must be a number, got 'inf'"):
        settings.CONCURRENCY_LIMIT.get()
    for word, value in (("0", False), ("off", False), ("1", True), ("yes", True)):
        monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", word)
        assert settings.AUTO_WORKER.get() is value
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "maybe")
    with pytest.raises(errors.ConfigurationError, match="LAMBDACTL_AUTO_WORKER must be 0 or 1, got 'maybe'"):
        settings.AUTO_WORKER.get()
    monkeypatch.setenv("LAMBDACTL_IMAGE_PYTHON3_12", "mine:latest")
    assert settings.IMAGE.get("PYTHON3_12") == "mine:latest" and settings.IMAGE.get("NODEJS20_X") is None
    assert settings.lookup("LAMBDACTL_IMAGE_PYTHON3_12") is settings.IMAGE
    monkeypatch.delenv("LAMBDACTL_ASYNC_CONCURRENCY", raising=False)
    monkeypatch.setenv("LAMBDACTL_CONCURRENCY_LIMIT", "7")
    assert settings.ASYNC_CONCURRENCY.get() == 7  # a computed default
    monkeypatch.setenv("LAMBDACTL_FUNCTION_CREDENTIALS", " Profile ")
    assert settings.FUNCTION_CREDENTIALS.get() == "profile"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("LAMBDACTL_CONCURRENCY_LIMIT", ["get-account-settings"]),
        ("LAMBDACTL_ASYNC_CONCURRENCY", ["drain", "--timeout", "1"]),
    ],
)
def test_a_bad_setting_exits_253_with_one_line(cli, name, args):
    result = cli(*args, rc=253, env={name: "abc"})
    assert result.stderr.strip().splitlines() == [f"{name} must be a number, got 'abc'"]

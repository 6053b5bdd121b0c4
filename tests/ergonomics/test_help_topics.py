"""``lambdactl help TOPIC`` stays accurate: every LAMBDACTL_* setting the code reads is explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lambdactl
from lambdactl.cli.commands.help import TOPICS

SOURCES = Path(lambdactl.__file__).parent


def settings_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in SOURCES.rglob("*.py"):
        text = path.read_text()
        if "os.environ" in text or "env_float(" in text or "env_int(" in text:
            found |= {name.rstrip("_") for name in re.findall(r'"(LAMBDACTL_[A-Z0-9_]*)', text)}
    return found


def test_every_setting_is_documented() -> None:
    text = TOPICS["configuration"] + TOPICS["backends"]
    names = settings_read_by_the_code()
    assert {"LAMBDACTL_STATE_DIR", "LAMBDACTL_ACCOUNT_ID"} <= names
    missing = sorted(name for name in names if name not in text)
    assert not missing, f"undocumented in `lambdactl help configuration`: {missing}"


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_topic(cli, topic: str) -> None:
    assert cli("help", topic).stdout == TOPICS[topic]


def test_help_without_topic_lists_commands_and_topics(cli) -> None:
    out = cli("help").stdout
    assert "generate-event" in out and "lambdactl help state-dir" in out
    assert "No such command 'nope'." in cli("help", "nope", rc=252).stderr  # neither a topic nor a command

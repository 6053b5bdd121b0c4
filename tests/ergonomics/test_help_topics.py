"""``lambdactl help TOPIC`` stays accurate: every LAMBDACTL_* setting the code reads is explained."""

from __future__ import annotations

import pytest

from lambdactl import settings
from lambdactl.cli.commands.help import TOPICS


def test_every_setting_is_documented() -> None:
    """The code reads settings only through lambdactl.settings (tests/test_settings.py), whose table is shown here."""
    text = TOPICS["configuration"]
    missing = sorted(setting.name for setting in settings.SETTINGS if setting.name not in text)
    assert not missing, f"undocumented in `lambdactl help configuration`: {missing}"


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_topic(cli, topic: str) -> None:
    assert cli("help", topic).stdout == TOPICS[topic]


def test_help_without_topic_lists_commands_and_topics(cli) -> None:
    out = cli("help").stdout
    assert "generate-event" in out and "lambdactl help state-dir" in out
    assert "No such command 'nope'." in cli("help", "nope", rc=252).stderr  # neither a topic nor a command

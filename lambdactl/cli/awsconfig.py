"""What the aws CLI reads from its config files: defaults (``region``, ``output``,
``cli_binary_format``) from the profile's section of ~/.aws/config, and which profiles exist
(~/.aws/config and ~/.aws/credentials), parsed with configparser as botocore parses them.

Separate from ``globals.py`` so that ``fast_invoke`` can read them without loading the rest."""

from __future__ import annotations

import os
from pathlib import Path

from lambdactl import errors

_parsed: dict[str, dict[str, dict[str, str]]] = {}  # file path -> its sections, once per process


def profile() -> str | None:
    """The named profile a command uses, as botocore finds it (``AWS_DEFAULT_PROFILE``, else
    ``AWS_PROFILE``, which ``--profile`` sets); None: the default one."""
    return os.environ.get("AWS_DEFAULT_PROFILE") or os.environ.get("AWS_PROFILE") or None


def check_profile() -> None:
    """Refuse a named profile that neither file has, as the aws CLI does (botocore's ProfileNotFound)."""
    name = profile()
    if name is not None and name not in _config_profiles() and name not in _sections(_credentials_file()):
        raise errors.BotocoreError(f"The config profile ({name}) could not be found")


def value(key: str) -> str | None:
    """A value from the profile's section of ~/.aws/config (``AWS_CONFIG_FILE``)."""
    return _config_profiles().get(profile() or "default", {}).get(key)


def region() -> str | None:
    """The region a command without ``--region`` works in, as the aws CLI finds it: ``AWS_REGION``,
    ``AWS_DEFAULT_REGION``, else ``region`` in the config file's profile."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or value("region")


def _config_profiles() -> dict[str, dict[str, str]]:
    """The config file's profiles by name, as botocore's ``build_profile_map``: ``[default]`` and
    ``[profile NAME]`` (split as a shell splits it, so ``[profile "my name"]`` is ``my name``)."""
    import shlex

    profiles: dict[str, dict[str, str]] = {}
    for section, values in _sections(_config_file()).items():
        if section == "default":
            profiles[section] = values
        elif section.startswith("profile"):
            try:
                words = shlex.split(section)
            except ValueError:
                continue
            if len(words) == 2:
                profiles[words[1]] = values
    return profiles


def _config_file() -> Path:
    return _path(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config")


def _credentials_file() -> Path:
    return _path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")


def _path(name: str) -> Path:
    return Path(os.path.expanduser(os.path.expandvars(name)))  # as botocore's loader expands it


def _sections(path: Path) -> dict[str, dict[str, str]]:
    """An INI file's sections (none when it is missing or unreadable, as for botocore's loader)."""
    key = str(path)
    if key not in _parsed:
        sections: dict[str, dict[str, str]] = {}
        if path.is_file():
            import configparser

            parser = configparser.RawConfigParser()
            try:
                parser.read(path)
                sections = {name: dict(parser.items(name)) for name in parser.sections()}
            except (configparser.Error, UnicodeDecodeError):
                pass
        _parsed[key] = sections
    return _parsed[key]

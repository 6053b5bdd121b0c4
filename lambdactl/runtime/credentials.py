"""The credentials an execution environment gets, in the variables Lambda sets
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``).

Default (``LAMBDACTL_FUNCTION_CREDENTIALS=placeholder``): fresh placeholders per environment.
Their access key id starts with ``ENVIRONMENT_KEY_PREFIX``, so ``serve`` recognises an SDK call
made from inside an environment by the SigV4 credential scope (see ``server/trust.py``).

Opt-in (``LAMBDACTL_FUNCTION_CREDENTIALS=profile``): the user's own credentials, resolved as the
aws CLI resolves them (``AWS_PROFILE``, environment, config files), for functions that must call
real AWS. Those calls are no longer recognisable as coming from a function: only the docker
backend's separate user still marks them (see the README's trust model).
"""

from __future__ import annotations

import os

from lambdactl import errors, settings

SETTING = settings.FUNCTION_CREDENTIALS.name
ENVIRONMENT_KEY_PREFIX = "ASIALAMBDACTL"  # + 7 characters: 20, the length of a real key id
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_profile: dict[str, str] | None = None


def for_environment() -> dict[str, str]:
    """The three variables for a new environment, as the setting asks."""
    return profile() if settings.FUNCTION_CREDENTIALS.get() == "profile" else placeholder()


def placeholder() -> dict[str, str]:
    """Random per environment (os.urandom: the invoke path stays free of hashlib, which secrets loads)."""
    key_id = ENVIRONMENT_KEY_PREFIX + "".join(_KEY_ALPHABET[b % 32] for b in os.urandom(7))
    return {
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": os.urandom(20).hex(),
        "AWS_SESSION_TOKEN": os.urandom(48).hex(),
    }


def is_environment_key(access_key_id: str | None) -> bool:
    return bool(access_key_id) and access_key_id.startswith(ENVIRONMENT_KEY_PREFIX)  # type: ignore[union-attr]


def profile() -> dict[str, str]:
    """The user's credentials (resolved once per process: botocore is a heavy import)."""
    global _profile
    if _profile is None:
        import botocore.exceptions
        import botocore.session

        try:
            found = botocore.session.Session().get_credentials()
        except botocore.exceptions.BotoCoreError as exc:
            raise errors.ConfigurationError(f"{SETTING}=profile: {exc}") from None
        if found is None:
            raise errors.ConfigurationError(
                f"{SETTING}=profile but no AWS credentials were found (set AWS_PROFILE or run `aws configure`)"
            )
        frozen = found.get_frozen_credentials()
        _profile = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
        if frozen.token:
            _profile["AWS_SESSION_TOKEN"] = frozen.token
    return dict(_profile)

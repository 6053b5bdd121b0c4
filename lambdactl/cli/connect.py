"""The control plane a command talks to: the state directory here, or a server at --endpoint-url."""

from __future__ import annotations

from typing import Any

from lambdactl.cli.globals import Globals


def control_plane(globals_: Globals) -> Any:
    from lambdactl.control.plane import ControlPlane, Settings
    from lambdactl.state.store import default_state_dir

    settings = Settings(state_dir=globals_.state_dir or default_state_dir(), region=globals_.region or "")
    return ControlPlane(settings)

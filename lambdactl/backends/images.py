"""Which container image runs a function, and getting it onto the engine.

Image for a Zip function on the docker backend, first match wins:

1. per function: ``functions.<name>`` in ``<state dir>/docker.json``
   (``lambdactl docker set-image --function-name F IMAGE``);
2. per runtime, environment: ``LAMBDACTL_IMAGE_<RUNTIME>``, the runtime upper-cased with
   every other character as ``_`` (``LAMBDACTL_IMAGE_PYTHON3_12``, ``LAMBDACTL_IMAGE_NODEJS20_X``);
3. per runtime, state dir: ``runtimes.<runtime>`` in ``<state dir>/docker.json``
   (``lambdactl docker set-image --runtime python3.12 IMAGE``);
4. the official base image: ``public.ecr.aws/lambda/python:3.12``, ``nodejs:20``, ``provided:al2023``, ...

An Image function runs its ImageUri. Images are pulled only when the engine doesn't
have them, once per process at most (``lambdactl docker pull`` refreshes explicitly).
This module does not import ``docker``: ``ensure`` gets the client from the backend.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from lambdactl import errors, settings
from lambdactl.state.store import private_state_dir, write_private

REGISTRY = "public.ecr.aws/lambda"
CONFIG_FILE = "docker.json"
_present: dict[str, dict[str, Any]] = {}  # image -> its config, for images this process has seen on the engine
_lock = threading.Lock()


def official_image(runtime: str) -> str:
    """``python3.12`` → ``public.ecr.aws/lambda/python:3.12``; ``provided.al2023`` → ``provided:al2023``."""
    match = re.fullmatch(r"(python|nodejs|java|dotnet|ruby)(\d[\d.]*?)(?:\.x)?(\.al2)?", runtime)
    if match:
        lang, version, suffix = match.groups()
        return f"{REGISTRY}/{lang}:{version}{suffix or ''}"
    if runtime.startswith("provided"):
        return f"{REGISTRY}/provided:{runtime.partition('.')[2] or 'alami'}"
    raise errors.InvalidRuntimeException(f"The runtime parameter of {runtime} has no container image in lambdactl.")


def env_var(runtime: str) -> str:
    return "LAMBDACTL_IMAGE_" + re.sub(r"[^A-Z0-9]", "_", runtime.upper())


def load_config(state_dir: Path | None) -> dict[str, Any]:
    if state_dir is None:
        return {}
    try:
        return json.loads((state_dir / CONFIG_FILE).read_text())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise errors.ServiceException(f"{state_dir / CONFIG_FILE} is not valid JSON: {exc}") from None


def save_setting(state_dir: Path, section: str, key: str, image: str | None) -> None:
    """Set (or with ``image=None`` remove) ``section.key`` in the state dir's docker.json."""
    config = load_config(state_dir)
    values = config.setdefault(section, {})
    if image is None:
        values.pop(key, None)
    else:
        values[key] = image
    private_state_dir(state_dir)
    tmp = state_dir / f".{CONFIG_FILE}.{os.getpid()}"
    write_private(tmp, json.dumps(config, indent=2, sort_keys=True) + "\n")
    tmp.replace(state_dir / CONFIG_FILE)


def image_for(function_name: str, runtime: str | None, image_uri: str | None, state_dir: Path | None) -> str:
    if image_uri:
        return image_uri
    if not runtime:
        raise errors.InvalidParameterValueException("A function without a runtime needs an ImageUri.")
    config = load_config(state_dir)
    return ((config.get("functions") or {}).get(function_name) or settings.IMAGE.get(env_var(runtime).removeprefix("LAMBDACTL_IMAGE_"))
            or (config.get("runtimes") or {}).get(runtime) or official_image(runtime))


def ensure(client: Any, image: str) -> dict[str, Any]:
    """The image's config (Entrypoint, Cmd, ...): looked up once per process, pulled if missing."""
    with _lock:
        if image not in _present:
            try:
                _present[image] = client.inspect_image(image)["Config"] or {}
            except Exception as exc:  # an EngineError: the engine client is imported only by the backend
                if getattr(exc, "status_code", None) != 404:
                    raise
                pull(client, image)
                _present[image] = client.inspect_image(image)["Config"] or {}
        return _present[image]


def resolved_digest(image: str) -> str | None:
    """``sha256:<hex>`` that ``image`` names on the local engine now (Lambda resolves an ImageUri to
    its digest when the code is set: ``ResolvedImageUri`` is ``repo@sha256:...``): the registry's
    manifest digest when the engine has one for the image's repository (a pulled image's RepoDigests),
    else the image's own content digest (its Id: an image built here was never pushed, so it has no
    manifest digest). None when no engine answers or it doesn't have the image (nothing is pulled)."""
    from lambdactl.backends.engine import Engine, EngineError

    try:
        attrs = Engine().inspect_image(image)
    except (EngineError, OSError):  # no engine, or no such image: the ImageUri stays unresolved
        return None
    repository = _split(image)[0].partition("@")[0]
    for entry in attrs.get("RepoDigests") or ():
        name, _, digest = entry.partition("@")
        if name == repository and digest.startswith("sha256:"):
            return digest
    identity = attrs.get("Id") or ""
    return identity if identity.startswith("sha256:") else None


def pull(client: Any, image: str) -> None:
    """Pull ``image`` with a progress bar on stderr; one clear error if it can't be had."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    repository, tag = _split(image)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), transient=True,
                      console=_stderr_console()) as progress:
            layers: dict[str, Any] = {}
            for event in client.pull(repository, tag or None):
                if "error" in event:
                    raise _PullError(event["error"])
                detail, layer = event.get("progressDetail") or {}, event.get("id", "")
                if detail.get("total") and layer:
                    if layer not in layers:
                        layers[layer] = progress.add_task(f"{image} {layer}", total=detail["total"])
                    progress.update(layers[layer], completed=detail.get("current", 0))
    except Exception as exc:  # an EngineError (no such image, no registry) or the stream's own error
        if not isinstance(exc, _PullError) and getattr(exc, "status_code", None) is None:
            raise
        reason = getattr(exc, "explanation", None) or str(exc)
        raise errors.ServiceException(
            f"Container image {image} could not be pulled ({reason.strip()}). "
            f"Provide it with `docker pull {image}` or `docker build -t {image} <dir>`, "
            f"or choose another image: `lambdactl docker set-image --runtime <runtime> IMAGE` "
            f"or the LAMBDACTL_IMAGE_<RUNTIME> environment variable."
        ) from None
    _present.pop(image, None)


class _PullError(Exception):
    """An error event in the pull stream."""


def _split(image: str) -> tuple[str, str]:
    if "@" in image:
        return image, ""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return image, "latest"
    return name, tag


def _stderr_console() -> Any:
    """Progress bars for a person at a terminal; none when piped or under CI (rich draws nothing then)."""
    import sys

    from rich.console import Console

    from lambdactl.render.terminal import colour_wanted

    return Console(stderr=True, quiet=not colour_wanted(sys.stderr))

"""``lambdactl build``, as ``sam build`` lays it out: each function's code and dependencies in
``.aws-sam/build/<LogicalId>/`` and a ``.aws-sam/build/template.yaml`` whose ``CodeUri`` points there.

Python dependencies (``requirements.txt``) are installed by pip for the function's runtime and
architecture, not the host's (``--python-version 3.12 --platform manylinux2014_x86_64
--only-binary=:all:``), so a 3.11 host builds a zip that loads in python3.12; Node.js ones by
``npm install --omit=dev``. A function whose sources (and runtime) hash as at its last build is
skipped. Progress is a line per function (plain, so CI logs read well).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates import loader
from lambdactl.templates.loader import TemplateError

BUILD_DIR = Path(".aws-sam") / "build"
IGNORED = {".aws-sam", "__pycache__", ".git", "node_modules", ".venv"}
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}


class BuildFailed(errors.LambdactlError):
    """A dependency install failed (exit 255), with the installer's last line."""


def _sources(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED)
        for name in sorted(files):
            yield Path(root, name)


def _digest(folder: Path, runtime: str, architecture: str) -> str:
    digest = hashlib.sha256(f"{runtime}|{architecture}".encode())
    for path in _sources(folder):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _function_settings(template: dict[str, Any], props: dict[str, Any]) -> tuple[str, str]:
    defaults = (template.get("Globals") or {}).get("Function") or {}
    runtime = str(props.get("Runtime") or defaults.get("Runtime") or "")
    architectures = props.get("Architectures") or defaults.get("Architectures") or ["x86_64"]
    return runtime, str(architectures[0])


def _install(folder: Path, target: Path, runtime: str, architecture: str, name: str) -> None:
    if runtime.startswith("python") and (folder / "requirements.txt").is_file():
        version = runtime.removeprefix("python")
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r",
                   str(folder / "requirements.txt"), "--target", str(target), "--platform", PLATFORMS.get(architecture, PLATFORMS["x86_64"]),
                   "--implementation", "cp", "--python-version", version, "--only-binary=:all:", "--upgrade"]
    elif runtime.startswith("nodejs") and (folder / "package.json").is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise BuildFailed(f"Build of {name} failed: npm is not installed (needed for package.json)")
        command = [npm, "install", "--omit=dev", "--no-audit", "--no-fund", "--prefix", str(target)]
    else:
        return
    done = subprocess.run(command, cwd=target, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BuildFailed(f"Build of {name} failed: {Path(command[0]).name} exited {done.returncode}: {last}")


def build(template_path: Path, report: Callable[[str], None]) -> Path:
    """Build every function of ``template_path``; returns the built template's path."""
    template = loader.load(template_path)
    base = template_path.resolve().parent
    out = base / BUILD_DIR
    out.mkdir(parents=True, exist_ok=True)
    state_file = out / "build.json"
    previous = json.loads(state_file.read_text()) if state_file.is_file() else {}
    digests: dict[str, str] = {}
    built = json.loads(json.dumps(template))  # the template, CodeUri rewritten to the build folders
    for lid, body in template["Resources"].items():
        if body.get("Type") not in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            continue
        props = body.get("Properties") or {}
        key = "CodeUri" if body["Type"] == "AWS::Serverless::Function" else "ContentUri"
        uri = props.get(key) or ((template.get("Globals") or {}).get("Function") or {}).get(key)
        if uri is None or "InlineCode" in props:
            continue
        source = (base / str(uri)).resolve()
        if not source.exists():
            raise TemplateError(f"Resource {lid}: {key} {uri} does not exist ({source})")
        built["Resources"][lid]["Properties"][key] = lid
        if source.is_file():  # a zip is already built
            built["Resources"][lid]["Properties"][key] = str(source)
            continue
        runtime, architecture = _function_settings(template, props)
        if body["Type"] == "AWS::Serverless::LayerVersion":
            runtime = str((props.get("CompatibleRuntimes") or [""])[0])
        digest = _digest(source, runtime, architecture)
        digests[lid] = digest
        target = out / lid
        if previous.get(lid) == digest and target.is_dir():
            report(f"Skipping {lid}: unchanged since the last build")
            continue
        report(f"Building {lid} ({runtime or 'no runtime'}, {architecture})")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*IGNORED))
        try:
            _install(source, target, runtime, architecture, lid)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)  # never a half-built folder taken for a built one
            raise
    import yaml

    (out / "template.yaml").write_text(yaml.safe_dump(built, sort_keys=False))
    state_file.write_text(json.dumps(digests, indent=1))
    report(f"Build Succeeded: {out / 'template.yaml'}")
    return out / "template.yaml"

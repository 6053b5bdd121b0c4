"""``lambdactl build``, as ``sam build`` lays it out: each function's code and dependencies in
``.aws-sam/build/<LogicalId>/`` and a ``.aws-sam/build/template.yaml`` whose ``CodeUri`` points there.

Python dependencies (``requirements.txt``) are installed by pip for the function's runtime and
architecture, not the host's (``--python-version 3.12 --platform manylinux2014_x86_64
--only-binary=:all:``), so a 3.11 host builds a zip that loads in python3.12; Node.js ones by
``npm install --omit=dev``; Java sources compiled by ``javac`` (jars of ``lib/`` on the class path and
in the build). A function whose sources (and runtime) hash as at its last build is skipped. Progress
goes to ``report`` (a line per function) and ``expect`` (how many there are).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lambdactl import errors
from lambdactl.templates import loader, properties
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
    _run(command, target, name)


JAVAC_DIAGNOSTIC = re.compile(r"^.+?\.java:\d+: (?:error|warning): .*$", re.MULTILINE)  # file:line: error: message


def _run(command: list[str], cwd: Path, name: str, diagnostics: re.Pattern[str] | None = None) -> None:
    """Run a build tool; on failure its last line, after the lines ``diagnostics`` picks from its output
    (one per diagnostic: the compiler's file:line: message, not the source and caret lines it adds)."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["(no output)"])[-1]
        found = diagnostics.findall(done.stderr + done.stdout) if diagnostics else []
        raise BuildFailed("".join(f"{line}\n" for line in found)
                          + f"Build of {name} failed: {Path(command[0]).name} exited {done.returncode}: {last}")


def _build_java(folder: Path, target: Path, runtime: str, name: str) -> None:
    """``javac`` only (no Maven, no repository): the sources of ``src/main/java`` (else every ``.java`` of the
    folder) compiled against ``lib/*.jar`` and lambdactl's ``aws-lambda-java-core`` interfaces, classes at the
    target's root, ``src/main/resources`` beside them and the jars in ``lib/``, as the Java runtime loads them."""
    from lambdactl.runtime import jvm

    maven = folder / "src" / "main" / "java"
    root = maven if maven.is_dir() else folder
    sources = [str(p) for p in _sources(root) if p.suffix == ".java"]
    if not sources:
        raise BuildFailed(f"Build of {name} failed: no .java sources under {root}")
    jars = sorted((folder / "lib").glob("*.jar"))
    target.mkdir(parents=True)
    if jars:
        (target / "lib").mkdir()
        for jar in jars:
            shutil.copy2(jar, target / "lib" / jar.name)
    resources = folder / "src" / "main" / "resources"
    if maven.is_dir() and resources.is_dir():
        shutil.copytree(resources, target, dirs_exist_ok=True)
    jdk = jvm.jdk_for(runtime)
    if not jdk.javac.exists():
        raise BuildFailed(f"Build of {name} failed: {jdk.home} has no javac (install the JDK, not only the JRE)")
    core = jvm.SOURCES / "core"  # compiled against, never into the build (-implicit:none)
    release = str(jvm.required_major(runtime))  # class files the runtime's JVM loads, whatever the JDK's version
    _run([str(jdk.javac), "-nowarn", "-Xlint:-options", "--release", release, "-encoding", "UTF-8", "-implicit:none", "-sourcepath",
          str(core), "-cp", os.pathsep.join(map(str, jars)), "-d", str(target), *sources], target, name, JAVAC_DIAGNOSTIC)


def _plan(template: dict[str, Any], base: Path) -> dict[str, dict[str, Any]]:
    """What to build: for each function and layer with local code, its source, runtime and architecture."""
    plan: dict[str, dict[str, Any]] = {}
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
        runtime, architecture = _function_settings(template, props)
        if body["Type"] == "AWS::Serverless::LayerVersion":
            runtime = str((props.get("CompatibleRuntimes") or [""])[0])
        plan[lid] = {"key": key, "source": str(source), "runtime": runtime, "architecture": architecture}
    return plan


def build(template_path: Path, report: Callable[[str], None], expect: Callable[[int], None] | None = None) -> Path:
    """Build every function of ``template_path``; returns the built template's path (``report`` gets one
    line per function, the steps ``expect`` counted: saying the build succeeded is the caller's).

    ``build.json`` keeps what the last build planned and each function's source digest: when the template
    is byte for byte the same, the plan is reused without parsing it, and only changed sources are built.
    """
    base = template_path.resolve().parent
    out = base / BUILD_DIR
    state_file = out / "build.json"
    try:
        text = template_path.read_bytes()
    except OSError:
        text = b""  # loader.load says what is wrong with it
    template_key = hashlib.sha256(bytes(base) + b"\0" + text).hexdigest()
    try:
        previous = json.loads(state_file.read_text())
    except (OSError, ValueError):
        previous = {}
    built_template = out / "template.yaml"
    template: dict[str, Any] | None = None
    if previous.get("template") == template_key and built_template.is_file():
        plan = previous["functions"]
    else:
        template = loader.load(template_path)
        properties.check(template)
        plan = _plan(template, base)
    if expect:
        expect(len(plan))
    out.mkdir(parents=True, exist_ok=True)
    functions: dict[str, dict[str, Any]] = {}
    for lid, item in plan.items():
        source, runtime, architecture = Path(item["source"]), item["runtime"], item["architecture"]
        if not source.exists():
            raise TemplateError(f"Resource {lid}: {item['key']} {source} does not exist")
        if source.is_file():  # a zip is already built
            functions[lid] = item
            report(f"Using {lid}: {source.name} is already built")
            continue
        digest = _digest(source, runtime, architecture)
        functions[lid] = {**item, "digest": digest}
        target = out / lid
        if (previous.get("functions") or {}).get(lid, {}).get("digest") == digest and target.is_dir():
            report(f"Skipping {lid}: unchanged since the last build")
            continue
        report(f"Building {lid} ({runtime or 'no runtime'}, {architecture})")
        shutil.rmtree(target, ignore_errors=True)
        try:
            if runtime.startswith("java"):
                _build_java(source, target, runtime, lid)
            else:
                shutil.copytree(source, target, ignore=shutil.ignore_patterns(*IGNORED))
                _install(source, target, runtime, architecture, lid)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)  # never a half-built folder taken for a built one
            raise
    if template is not None:
        import yaml

        built = json.loads(json.dumps(template))  # the template, CodeUri rewritten to the build folders
        for lid, item in plan.items():
            built["Resources"][lid].setdefault("Properties", {})[item["key"]] = item["source"] if Path(item["source"]).is_file() else lid
        built_template.write_text(yaml.safe_dump(built, sort_keys=False))
    state = {"template": template_key, "functions": functions}
    if state != previous:
        state_file.write_text(json.dumps(state, indent=1))
    return built_template

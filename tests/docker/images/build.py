"""Build the docker tests' images locally (no registry is reachable): once, then reused.

``public.ecr.aws/lambda/python:3.12`` here is a look-alike of the official image:

1. a root filesystem made from the host's Python 3.12 (its stdlib, and every shared library
   it and its extension modules need, found with ``ldd``), ``/bin/sh`` and a passwd file,
   packed with ``tarfile`` and ``docker import``-ed as ``lambdactl-test/python-rootfs:3.12``;
2. ``Dockerfile.python`` on top: ``awslambdaric`` (pip-installed for that interpreter at build
   time; its C extension brings libstdc++ and libgcc_s), ``/var/runtime/bootstrap`` and the
   official ``/lambda-entrypoint.sh`` logic, tagged under the official name.

``public.ecr.aws/lambda/java:17`` is a look-alike too, made only where a JDK 17 is installed: a
``jlink``-ed JRE at ``/var/lang``, lambdactl's Java runtime (the Runtime API client the official
image would have as aws-lambda-java-runtime-interface-client) compiled into ``/var/runtime/classes``,
``/var/runtime/bootstrap`` and the same entrypoint, ``docker import``-ed in one step.

Each image carries a label with the hash of this directory, so a changed recipe rebuilds it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
PYTHON_HOME = Path(os.environ.get("LAMBDACTL_TEST_PYTHON312", "/root/.pyenv/versions/3.12.1"))
ROOTFS_TAG = "lambdactl-test/python-rootfs:3.12"
PYTHON_TAG = "public.ecr.aws/lambda/python:3.12"
FUNCTION_TAG = "lambdactl-test/image-function:latest"
JAVA_TAG = "public.ecr.aws/lambda/java:17"
JAVA_SOURCES = HERE.parents[2] / "lambdactl" / "runtime" / "java"
JAVA_BOOTSTRAP = """#!/bin/sh
exec /var/lang/bin/java -XX:+TieredCompilation -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \\
  -cp /var/runtime/classes lambdactl.javaruntime.Bootstrap "$_HANDLER"
"""
LABEL = "lambdactl.test-recipe"
_SKIP_STDLIB = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "site-packages", "config-3.12-x86_64-linux-gnu"}
_RIC_LIBS = ("libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0", "libdl.so.2", "librt.so.1")  # awslambdaric's C extension
PASSWD = "root:x:0:0:root:/root:/bin/sh\nsbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"
GROUP = "root:x:0:\n990:x:990:\nnobody:x:65534:\n"


def recipe_hash() -> str:
    digest = hashlib.sha256(str(PYTHON_HOME).encode())
    for path in sorted(HERE.iterdir()):
        if path.is_file() and path.suffix != ".pyc":
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def docker(*args: str, **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def current(tag: str, want: str) -> bool:
    result = subprocess.run(["docker", "image", "inspect", "--format", f'{{{{index .Config.Labels "{LABEL}"}}}}', tag],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == want


def ensure_images() -> None:
    """Build whatever is missing or stale; a no-op (one ``docker image inspect`` each) otherwise."""
    want = recipe_hash()
    if not current(ROOTFS_TAG, want):
        build_rootfs(want)
    if not current(PYTHON_TAG, want):
        build_python(want)
    if not current(FUNCTION_TAG, want):
        with tempfile.TemporaryDirectory() as ctx:
            shutil.copy(HERE / "image_app.py", Path(ctx) / "app.py")
            (Path(ctx) / "Dockerfile").write_text(
                f"FROM {PYTHON_TAG}\nCOPY app.py /var/task/app.py\nCMD [\"app.handler\"]\n")
            docker("build", "-q", "--label", f"{LABEL}={want}", "-t", FUNCTION_TAG, ctx)


def java_recipe_hash() -> str:
    digest = hashlib.sha256(recipe_hash().encode())
    for path in sorted(JAVA_SOURCES.rglob("*.java")):
        digest.update(str(path.relative_to(JAVA_SOURCES)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_java_image() -> bool:
    """Build the java:17 look-alike if missing or stale; False where this host has no JDK 17."""
    jdk = Path("/usr/lib/jvm/java-17-openjdk-amd64")
    if not (jdk / "bin" / "jlink").exists():
        return False
    want = java_recipe_hash()
    if not current(JAVA_TAG, want):
        build_java(jdk, want)
    return True


def build_java(jdk: Path, want: str) -> None:
    with tempfile.TemporaryDirectory() as ctx:
        root = Path(ctx)
        subprocess.run([str(jdk / "bin" / "jlink"), "--add-modules", "java.base,java.logging", "--strip-debug",
                        "--no-header-files", "--no-man-pages", "--generate-cds-archive", "--output", str(root / "jre")],
                       check=True, capture_output=True)
        subprocess.run([str(jdk / "bin" / "javac"), "-nowarn", "-d", str(root / "classes"),
                        *map(str, sorted(JAVA_SOURCES.rglob("*.java")))], check=True, capture_output=True)
        libs = _libraries([root / "jre" / "bin" / "java", *(root / "jre" / "lib").rglob("*.so"), Path("/bin/dash")])
        libs = {p for p in libs if not str(p).startswith(str(root))}
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for d in ("bin", "etc", "lib", "lib64", "usr", "var", "var/runtime", "var/task", "opt", "proc", "sys",
                      "dev", "home", "root"):
                info = tarfile.TarInfo(d)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            tmp = tarfile.TarInfo("tmp")
            tmp.type, tmp.mode = tarfile.DIRTYPE, 0o1777
            tar.addfile(tmp)
            for name, text, mode in (("etc/passwd", PASSWD, 0o644), ("etc/group", GROUP, 0o644),
                                     ("var/runtime/bootstrap", JAVA_BOOTSTRAP, 0o755),
                                     ("lambda-entrypoint.sh", (HERE / "lambda-entrypoint.sh").read_text(), 0o755)):
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), mode
                tar.addfile(info, io.BytesIO(data))
            tar.add("/bin/dash", "bin/sh")
            for path in libs:
                tar.add(path.resolve(), str(path).lstrip("/"))
            tar.add(root / "jre", "var/lang")
            tar.add(root / "classes", "var/runtime/classes")
        (root / "rootfs.tar").write_bytes(buffer.getvalue())
        changes = [f"LABEL {LABEL}={want}", "ENV LANG=en_US.UTF-8", "ENV TZ=:/etc/localtime",
                   "ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                   "ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
                   "ENV LAMBDA_TASK_ROOT=/var/task", "ENV LAMBDA_RUNTIME_DIR=/var/runtime", "WORKDIR /var/task",
                   'ENTRYPOINT ["/lambda-entrypoint.sh"]']
        docker("import", *(arg for change in changes for arg in ("--change", change)), str(root / "rootfs.tar"), JAVA_TAG)


def _libraries(binaries: list[Path]) -> set[Path]:
    found: set[Path] = set()
    for chunk in range(0, len(binaries), 50):
        out = subprocess.run(["ldd", *map(str, binaries[chunk:chunk + 50])], capture_output=True, text=True).stdout
        found.update(Path(m) for m in re.findall(r"=> (/\S+)", out))
        found.update(Path(m) for m in re.findall(r"^\s+(/\S+ld-linux\S*)", out, re.M))
    return found


def build_rootfs(want: str) -> None:
    lib = PYTHON_HOME / "lib" / "python3.12"
    binaries = [PYTHON_HOME / "bin" / "python3.12", Path("/bin/dash")]
    binaries += [p for p in (lib / "lib-dynload").glob("*.so") if "tkinter" not in p.name]
    libs = {p for p in _libraries(binaries) if not str(p).startswith(str(PYTHON_HOME))}
    libs |= {Path("/lib/x86_64-linux-gnu") / name for name in _RIC_LIBS}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        def add_dir(name: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)

        def add_text(name: str, text: str) -> None:
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

        def add_link(name: str, target: str) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)

        for d in ("bin", "etc", "lib", "lib64", "usr", "usr/bin", "var", "var/lang", "var/lang/bin", "var/lang/lib",
                  "var/runtime", "var/task", "opt", "proc", "sys", "dev", "home", "root"):
            add_dir(d)
        add_dir("tmp", 0o1777)
        add_text("etc/passwd", PASSWD)
        add_text("etc/group", GROUP)
        tar.add("/bin/dash", "bin/sh")
        tar.add(PYTHON_HOME / "bin" / "python3.12", "var/lang/bin/python3.12")
        add_link("var/lang/bin/python3", "python3.12")
        add_link("var/lang/bin/python", "python3.12")
        tar.add(PYTHON_HOME / "lib" / "libpython3.12.so.1.0", "var/lang/lib/libpython3.12.so.1.0")
        for path in libs:
            tar.add(path.resolve(), str(path).lstrip("/"))
        tar.add(lib, "var/lang/lib/python3.12",
                filter=lambda info: None if _skipped(info.name) else info)
    with tempfile.NamedTemporaryFile(suffix=".tar") as f:
        f.write(buffer.getvalue())
        f.flush()
        docker("import", "--change", f"LABEL {LABEL}={want}", f.name, ROOTFS_TAG)


def _skipped(name: str) -> bool:
    parts = name.split("/")
    return len(parts) > 3 and parts[3] in _SKIP_STDLIB or "tkinter" in parts[-1]


def build_python(want: str) -> None:
    with tempfile.TemporaryDirectory() as ctx:
        root = Path(ctx)
        for name in ("Dockerfile.python", "bootstrap", "lambda-entrypoint.sh"):
            shutil.copy2(HERE / name, root / name)
        subprocess.run([str(PYTHON_HOME / "bin" / "python3.12"), "-m", "pip", "install", "-q", "--no-compile",
                        "--disable-pip-version-check", "--target", str(root / "runtime"), "awslambdaric"],
                       check=True, capture_output=True)
        subprocess.run([str(PYTHON_HOME / "bin" / "python3.12"), "-m", "compileall", "-q", "-d", "/var/runtime", str(root / "runtime")],
                       check=True, capture_output=True)
        docker("build", "-q", "--label", f"{LABEL}={want}", "-f", str(root / "Dockerfile.python"), "-t", PYTHON_TAG, ctx)


if __name__ == "__main__":
    ensure_images()

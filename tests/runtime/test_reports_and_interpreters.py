from __future__ import annotations

import base64
import sys

import pytest

from lambdactl.runtime import interpreters, reports


def test_report_line_layout():
    line = reports.report_line("id-1", 2.75, 128, 39, init_duration_ms=139.25)
    assert line == ("REPORT RequestId: id-1\tDuration: 2.75 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
                    "Max Memory Used: 39 MB\tInit Duration: 139.25 ms\t\n")
    warm = reports.report_line("id-1", 2.0, 128, 39, status="error", error_type="Runtime.ExitError")
    assert warm.endswith("Max Memory Used: 39 MB\tStatus: error\tError Type: Runtime.ExitError\t\n")
    assert "Billed Duration: 2 ms" in warm


def test_start_end_and_timeout_lines():
    assert reports.start_line("id-1", "$LATEST") == "START RequestId: id-1 Version: $LATEST\n"
    assert reports.end_line("id-1") == "END RequestId: id-1\n"
    assert reports.timeout_line("id-1", 3).endswith("Z id-1 Task timed out after 3.00 seconds\n")


def test_log_result_is_last_4k():
    from lambdactl.control.logs import tail_base64

    log = "a" * 5000 + "tail"
    decoded = base64.b64decode(tail_base64(log))
    assert len(decoded) == 4096 and decoded.endswith(b"tail")


def test_pyenv_shim_resolved_to_real_binary(tmp_path, monkeypatch):
    shims, real = tmp_path / "shims", tmp_path / "versions" / "3.99.2" / "bin"
    shims.mkdir()
    real.mkdir(parents=True)
    (shims / "python3.99").write_text("#!/usr/bin/env bash\nexec pyenv exec python3.99 \"$@\"\n")
    (real / "python3.99").write_bytes(b"\x7fELF")
    for f in (shims / "python3.99", real / "python3.99"):
        f.chmod(0o755)
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("PATH", str(shims))
    interpreters._python.cache_clear()
    assert interpreters.python_for("python3.99") == str(real / "python3.99")


def test_override_and_fallback(monkeypatch, capsys, tmp_path):
    interpreters._python.cache_clear()
    monkeypatch.setenv("LAMBDACTL_PYTHON3_98", "/opt/py/bin/python3.98")
    assert interpreters.python_for("python3.98") == "/opt/py/bin/python3.98"
    monkeypatch.setenv("PATH", str(tmp_path))
    interpreters._python.cache_clear()
    assert interpreters.python_for("python3.97") == sys.executable
    assert "python3.97 not found" in capsys.readouterr().err


def test_missing_node_is_clear(monkeypatch, tmp_path):
    from lambdactl import errors

    monkeypatch.delenv("LAMBDACTL_NODE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(errors.InvalidRuntimeException, match="LAMBDACTL_NODE"):
        interpreters.node_for("nodejs20.x")

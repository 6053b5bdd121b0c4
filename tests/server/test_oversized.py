"""After a Function.ResponseSizeTooLarge, the function's next invoke works (on a fresh environment)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest

from .conftest import ROLE

SOURCES = {
    "python3.12": ("app.py", "def handler(event, context):\n    return 'x' * (7 << 20) if event.get('big') else 'ok'\n"),
    "nodejs20.x": ("index.js", "exports.handler = async (event) => event.big ? 'x'.repeat(7 << 20) : 'ok';\n"),
}


@pytest.mark.parametrize("runtime", list(SOURCES))
def test_the_invoke_after_an_oversized_response_succeeds(client, runtime):
    if runtime.startswith("nodejs") and not shutil.which("node"):
        pytest.skip("node is not installed")
    name, source = SOURCES[runtime]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    function = f"oversized-{runtime.replace('.', '-')}"
    client.create_function(FunctionName=function, Runtime=runtime, Role=ROLE,
                           Handler=f"{name.split('.')[0]}.handler", Code={"ZipFile": buffer.getvalue()})
    for _ in range(2):
        big = client.invoke(FunctionName=function, Payload=json.dumps({"big": True}))
        assert big["FunctionError"] == "Unhandled"
        assert json.loads(big["Payload"].read())["errorType"] == "Function.ResponseSizeTooLarge"
        after = client.invoke(FunctionName=function, Payload=b"{}")
        assert "FunctionError" not in after, after["Payload"].read()
        assert json.loads(after["Payload"].read()) == "ok"

"""serve prints one line per request (time, method and path, status, duration, function, cold or warm)
and the function's log lines, plain when stderr is not a terminal."""

from __future__ import annotations

import re

from .conftest import ROLE, wait_until, zip_bytes

SOURCE = "def handler(event, context):\n    print('handled', event.get('n'))\n    return {'n': event.get('n')}\n"
LINE = re.compile(r"^\d\d:\d\d:\d\d (\S+) (\S+) (\d{3}) (\d+\.\d) ms ?(.*)$")


def request_lines(log: str) -> list[tuple[str, str, int, str]]:
    return [(m[1], m[2], int(m[3]), m[5]) for m in map(LINE.match, log.splitlines()) if m]


def test_each_request_gets_a_line_and_its_log_lines(server, client) -> None:
    client.create_function(FunctionName="logged", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes(SOURCE)})  # fmt: skip
    for n in (1, 2):
        client.invoke(FunctionName="logged", Payload=b'{"n": %d}' % n)
    try:
        client.get_function(FunctionName="missing")
    except client.exceptions.ResourceNotFoundException:
        pass
    invoke_path = "/2015-03-31/functions/logged/invocations"
    wait_until(lambda: "/2015-03-31/functions/missing" in server.log.read_text(), what="the 404's line")
    text = server.log.read_text()
    lines = request_lines(text)
    assert ("POST", "/2015-03-31/functions", 201, "") in lines
    invokes = [line for line in lines if line[1] == invoke_path]
    assert [line[2] for line in invokes] == [200, 200]
    assert re.fullmatch(r"logged:\$LATEST cold \(init \d+ ms\)", invokes[0][3])
    assert invokes[1][3] == "logged:$LATEST warm"
    assert ("GET", "/2015-03-31/functions/missing", 404, "") in lines
    after_first = text.split(invoke_path, 1)[1]  # the first invoke's log lines follow its request line
    assert re.search(r"\n  logged \| START RequestId: \S+ Version: \$LATEST\n  logged \| handled 1\n", after_first)
    assert "  logged | REPORT RequestId:" in after_first
    assert "\x1b[" not in text  # piped to a file: no colour codes


def test_async_invocations_print_as_they_finish(server, client) -> None:
    client.create_function(FunctionName="logged-async", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                           Code={"ZipFile": zip_bytes(SOURCE)})  # fmt: skip
    client.invoke(FunctionName="logged-async", InvocationType="Event", Payload=b'{"n": 9}')
    wait_until(lambda: "logged-async | handled 9" in server.log.read_text(), what="the async event's log")
    text = server.log.read_text()
    assert re.search(r"\d\d:\d\d:\d\d event logged-async:\$LATEST (cold|warm)", text)
    assert ("POST", "/2015-03-31/functions/logged-async/invocations", 202, "") in request_lines(text)

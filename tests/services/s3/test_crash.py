"""A process killed (-9) in the middle of storing an object leaves no object and sends no event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import clean_env
from tests.services.s3.conftest import allow_s3, notify

WRITER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from lambdactl.plane import ControlPlane, Settings

    state, marker, op = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    plane = ControlPlane(Settings(state_dir=state))

    def body():
        yield b"x" * (1 << 20)
        marker.write_text("streaming")
        while True:
            time.sleep(1)

    if op == "put":
        plane.call("s3:PutObject", {"Bucket": "crash-bkt", "Key": "half", "Body": body()})
    else:
        upload = plane.call("s3:CreateMultipartUpload", {"Bucket": "crash-bkt", "Key": "half"})["UploadId"]
        plane.call("s3:UploadPart", {"Bucket": "crash-bkt", "Key": "half", "UploadId": upload, "PartNumber": 1,
                                     "Body": body()})
''')


def kill_mid_upload(state_dir: Path, tmp_path: Path, op: str) -> None:
    marker = tmp_path / f"{op}.marker"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(state_dir), str(marker), op], env=clean_env(state_dir))
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None, "the writer exited early"
        assert time.monotonic() < deadline, "the writer never started streaming"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_9_during_put_object_and_upload_part(cli, recorder: Path, tmp_path: Path) -> None:
    cli("s3api", "create-bucket", "--bucket", "crash-bkt")
    allow_s3(cli, "crash-bkt")
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "crash-bkt", "--notification-configuration", notify())
    for op in ("put", "part"):
        kill_mid_upload(cli.state_dir, tmp_path, op)
    assert cli("s3api", "list-objects-v2", "--bucket", "crash-bkt").json["KeyCount"] == 0
    cli("s3api", "head-object", "--bucket", "crash-bkt", "--key", "half", rc=254)
    uploads = cli("s3api", "list-multipart-uploads", "--bucket", "crash-bkt").json["Uploads"]
    assert len(uploads) == 1  # started, holding no part
    assert not cli("s3api", "list-parts", "--bucket", "crash-bkt", "--key", "half", "--upload-id",
                   uploads[0]["UploadId"]).json.get("Parts")  # fmt: skip
    blobs = [p for p in (cli.state_dir / "blobs").rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]
    assert blobs == []  # only temporary files, never a blob under its final name
    cli("drain")
    assert not recorder.exists()
    assert cli("list-async-events").json.get("AsyncEvents", []) == []
    (tmp_path / "whole").write_text("whole")
    cli("s3api", "put-object", "--bucket", "crash-bkt", "--key", "half", "--body", str(tmp_path / "whole"))
    cli("drain")
    assert recorder.read_text().count('"half"') == 1

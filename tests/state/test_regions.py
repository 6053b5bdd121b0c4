"""Regions in one state directory: each region's state apart (``Settings.region_dir``), and a state
directory made before regions were kept apart claimed, with everything in it, by the first command run on
it (its functions stay where that command's configuration saw them)."""

from __future__ import annotations

import threading

import pytest

from lambdactl.settings import REGION_FILE, Settings, home_region


def test_same_name_in_two_regions_from_the_cli(cli, hello_zip):
    home = cli.create("twin", hello_zip, "--environment", "Variables={WHERE=home}").json
    away = cli.create("twin", hello_zip, "--region", "eu-west-1", "--environment", "Variables={WHERE=away}").json
    assert home["FunctionArn"].startswith("arn:aws:lambda:us-east-1:")
    assert away["FunctionArn"].startswith("arn:aws:lambda:eu-west-1:")
    got = cli("get-function-configuration", "--function-name", "twin", env={"AWS_DEFAULT_REGION": "eu-west-1"}).json
    assert got["Environment"]["Variables"] == {"WHERE": "away"}
    cli("delete-function", "--function-name", "twin", "--region", "eu-west-1")
    assert cli("list-functions", "--region", "eu-west-1").json["Functions"] == []
    assert [f["FunctionName"] for f in cli("list-functions").json["Functions"]] == ["twin"]
    # account settings count the region's functions only (AWS: per region)
    assert cli("get-account-settings").json["AccountUsage"]["FunctionCount"] == 1
    assert cli("get-account-settings", "--region", "eu-west-1").json["AccountUsage"]["FunctionCount"] == 0


def test_a_state_dir_from_before_regions_keeps_its_functions(cli, hello_zip):
    """An old state directory is one without the ``region`` file (the database schema did not change):
    the first command claims it for its region, so `AWS_REGION=eu-west-1` users still see their functions."""
    cli.create("old", hello_zip, env={"AWS_REGION": "eu-west-1"})
    (cli.state_dir / REGION_FILE).unlink()  # as a lambdactl before regions left it
    listed = cli("list-functions", env={"AWS_REGION": "eu-west-1"}).json["Functions"]
    assert [f["FunctionArn"] for f in listed] == ["arn:aws:lambda:eu-west-1:123456789012:function:old"]
    assert (cli.state_dir / REGION_FILE).read_text() == "eu-west-1\n"
    assert cli("list-functions").json["Functions"] == []  # us-east-1 is a region of its own now
    assert not (cli.state_dir / "regions").exists()  # (which reading did not make)
    cli.create("new", hello_zip)
    assert (cli.state_dir / "regions" / "us-east-1" / "lambdactl.db").exists()


def test_racing_first_commands_agree_on_the_home_region(tmp_path):
    state_dir = tmp_path / "fresh"
    seen: list[str] = []
    threads = [threading.Thread(target=lambda r=r: seen.append(home_region(state_dir, r)))
               for r in ("us-east-1", "eu-west-1", "ap-south-1", "us-west-2") * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and seen[0] == (state_dir / REGION_FILE).read_text().strip()
    assert [p.name for p in state_dir.iterdir()] == [REGION_FILE]  # no claim file left behind
    other = "eu-west-1" if seen[0] != "eu-west-1" else "us-east-1"
    assert Settings(state_dir=state_dir, region=other).region_dir == state_dir / "regions" / other
    assert Settings(state_dir=state_dir, region=seen[0]).region_dir == state_dir


def test_async_invokes_of_another_region_run_in_its_worker(cli, make_zip, tmp_path):
    """No serve: an Event invoke in eu-west-1 is queued in eu-west-1's state and run by that region's
    background worker (``drain --region`` waits for it), with eu-west-1 inside the function."""
    code = make_zip({"app.py": "import os\ndef handler(event, context):\n"
                               "    open(event['out'], 'w').write(os.environ['AWS_REGION'] + ' ' + context.invoked_function_arn)\n"})
    cli.create("first", code)  # us-east-1 first: it holds the top, eu-west-1 lives in regions/
    cli.create("later", code, "--region", "eu-west-1")
    out = tmp_path / "ran"
    cli("invoke", "--function-name", "later", "--invocation-type", "Event", "--region", "eu-west-1",
        "--cli-binary-format", "raw-in-base64-out", "--payload", f'{{"out": "{out}"}}', str(tmp_path / "resp"))
    cli("drain", "--region", "eu-west-1", "--timeout", "60")
    assert out.read_text() == "eu-west-1 arn:aws:lambda:eu-west-1:123456789012:function:later"
    assert (cli.state_dir / "regions" / "eu-west-1" / "async-worker.lock").exists()


READS = [  # (command, exit code): what reads a region's state, through each kind of store it has
    (["list-functions"], 0), (["get-function", "--function-name", "f"], 254), (["list-layers"], 0),
    (["get-account-settings"], 0), (["list-event-source-mappings"], 0), (["list-async-events"], 0),
    (["sqs", "list-queues"], 0), (["kinesis", "list-streams"], 0), (["logs", "describe-log-groups"], 0),
    (["events", "list-rules"], 0), (["events", "describe-event-bus"], 0), (["scheduler", "list-schedule-groups"], 0),
    (["apigateway", "get-rest-apis"], 0), (["s3api", "list-buckets"], 0),
    (["invoke", "--function-name", "f", "out.json"], 254), (["drain", "--timeout", "5"], 0),
]


def tree(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")) if root.exists() else []


def test_reading_a_region_without_state_creates_nothing(cli, state_dir, hello_zip):
    """A mistyped region (valid in form, as botocore checks it) reads as an empty region, as a real but
    unused one would; nothing is written, not even the state directory's claim. A write makes it."""
    for args, rc in READS:
        result = cli(*args, "--region", "us-eats-1", rc=rc)
        if rc == 0 and args[0] == "list-functions":
            assert result.json == {"Functions": []}
    assert cli("events", "list-event-buses", "--query", "EventBuses[].Name", "--region", "US-EAST-1").json == ["default"]
    assert not state_dir.exists()
    cli.create("f", hello_zip)  # us-east-1 made: the state directory is claimed for it
    before = tree(state_dir)
    for region in ("us-eats-1", "US-EAST-1"):
        cli("list-functions", "--region", region)
        cli("events", "list-rules", "--region", region)
        cli("get-function", "--function-name", "f", "--region", region, rc=254)
    assert tree(state_dir) == before and not (state_dir / "regions").exists()
    # a write in a region of valid form makes it (and only it)
    made = cli.create("f", hello_zip, "--region", "us-eats-1").json
    assert made["FunctionArn"] == "arn:aws:lambda:us-eats-1:123456789012:function:f"
    assert [p.name for p in (state_dir / "regions").iterdir()] == ["us-eats-1"]
    assert cli("list-functions", "--region", "us-eats-1", "--query", "Functions[].FunctionName").json == ["f"]


@pytest.mark.parametrize("region", ["us-eats_1", "123", "-us-east-1", "us-east-1-", "us.east.1", "x" * 64])
def test_a_region_botocore_refuses_is_refused_as_the_aws_cli_refuses_it(cli, state_dir, region):
    for how in ("flag", "env"):
        result = (cli("list-functions", "--region", region, rc=255) if how == "flag"
                  else cli("list-functions", rc=255, env={"AWS_REGION": region}))
        assert result.stderr == f"\nProvided region_name '{region}' doesn't match a supported format.\n"
    assert not state_dir.exists()


def test_a_store_taken_before_the_region_is_made_sees_what_is_written(tmp_path):
    """The plane's store stands in for a region without state until its first write; a connection
    handed out before that write, and another store of the same region (a server's pool), then read
    the region's database."""
    from lambdactl.state.store import RegionStore

    where = Settings(state_dir=tmp_path / "state", region="eu-west-1")
    first, second = RegionStore(where), RegionStore(where)
    taken = first.conn
    assert taken.execute("SELECT COUNT(*) FROM functions").fetchone()[0] == 0
    assert second.conn.execute("SELECT COUNT(*) FROM functions").fetchone()[0] == 0
    assert not where.state_dir.exists()
    with first.write() as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('probe', 'made')")
    for conn in (taken, first.conn, second.conn):
        assert conn.execute("SELECT value FROM meta WHERE key = 'probe'").fetchone()[0] == "made"
    assert (where.state_dir / "region").read_text() == "eu-west-1\n"
    first.close()
    second.close()


def test_drain_waits_for_every_region(cli, make_zip, tmp_path):
    """`drain` covers the whole state directory: events queued in three regions (no background worker
    runs them) are all processed, each in its own region, whichever region the command is in."""
    code = make_zip({"app.py": "import os\ndef handler(event, context):\n"
                               "    open(event['out'], 'w').write(os.environ['AWS_REGION'])\n"})
    cli.env["LAMBDACTL_AUTO_WORKER"] = "0"  # events stay queued until drain runs them
    regions = ("us-east-1", "eu-west-1", "ap-south-1")
    for region in regions:
        cli.create("f", code, "--region", region)
        cli("invoke", "--function-name", "f", "--invocation-type", "Event", "--region", region,
            "--cli-binary-format", "raw-in-base64-out", "--payload", f'{{"out": "{tmp_path / region}"}}',
            str(tmp_path / "resp"))
    assert not any((tmp_path / region).exists() for region in regions)
    cli("drain", "--timeout", "60", "--region", "eu-west-1")
    assert {region: (tmp_path / region).read_text() for region in regions} == {region: region for region in regions}
    for region in regions:
        assert cli("list-async-events", "--region", region, "--query", "AsyncEvents[].Status").json == ["succeeded"]


def test_drain_help_says_it_covers_every_region(cli):
    text = " ".join(cli("drain", "--help").stdout.split())
    assert "in every region of the state directory (--region does not narrow it" in text

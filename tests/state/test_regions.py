"""Regions in one state directory: each region's state apart (``Settings.region_dir``), and a state
directory made before regions were kept apart claimed, with everything in it, by the first command run on
it (its functions stay where that command's configuration saw them)."""

from __future__ import annotations

import threading

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
    cli("list-functions")  # us-east-1 first: it holds the top, eu-west-1 lives in regions/
    cli.create("later", code, "--region", "eu-west-1")
    out = tmp_path / "ran"
    cli("invoke", "--function-name", "later", "--invocation-type", "Event", "--region", "eu-west-1",
        "--cli-binary-format", "raw-in-base64-out", "--payload", f'{{"out": "{out}"}}', str(tmp_path / "resp"))
    cli("drain", "--region", "eu-west-1", "--timeout", "60")
    assert out.read_text() == "eu-west-1 arn:aws:lambda:eu-west-1:123456789012:function:later"
    assert (cli.state_dir / "regions" / "eu-west-1" / "async-worker.lock").exists()

"""rate / cron / at in AWS's dialect: what is valid (AWS-recorded lists) and when each form fires next,
including across daylight-saving changes in a time zone."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lambdactl.services.events.expressions import InvalidExpression, parse

UTC = timezone.utc
T0 = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)  # a Thursday


def fires(text: str, after: datetime = T0, count: int = 3, zone: str = "UTC", rules: bool = True) -> list[str]:
    expression = parse(text, timezone_name=zone, rules=rules)
    out, moment = [], after
    for _ in range(count):
        moment = expression.next_after(moment, after)
        if moment is None:
            break
        out.append(moment.strftime("%Y-%m-%dT%H:%M%z"))
    return out


@pytest.mark.parametrize(
    "text",
    ["rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 hours)", "rate(1 day)", "rate(7 days)",
     "cron(0 18 ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(15 10 ? * 6L 2002-2005)",
     "cron(0 2 ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)", "cron(0-59/10 0-23/2 ? * * *)", "cron(0 12 * * ? *)",
     "cron(5,35 14 * * ? *)", "cron(0 9 L * ? *)", "cron(0 9 LW * ? *)", "cron(0 9 15W * ? *)", "cron(*/15 * * * ? *)",
     "cron(0 0 1 JAN-MAR ? *)", "cron(0 0 ? * L *)"],
)  # fmt: skip
def test_valid_expressions(text):
    parse(text)


@pytest.mark.parametrize(
    "text",
    ["rate(1 minutes)", "rate(1 hours)", "rate(10 minute)", "rate(10 day)", "rate(0 minutes)", "rate(-10 minutes)",
     "rate(10 seconds)", "rate(10 years)", "rate()", "rate(10)", "rate(foo minutes)", "rate(10 MINUTES)",
     "rate( 10 minutes )", " rate(10 minutes)", "cron(7 20 * * NOT *)", "cron(71 8 1 * ? *)", "cron(INVALID)",
     "cron()", "cron(0 1 * * * *)", "cron(0 1 ? * ? *)", "cron(0 12 * * ?)", "cron(0 24 * * ? *)",
     "cron(0 0 32 * ? *)", "cron(0 0 ? 13 * *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * SAT#6 *)", "cron(0 0 * * ? 1969)",
     "cron(0 0 * * ? 2200)", "cron(0/0 * * * ? *)", "cron(5-1 * * * ? *)", "at(2026-01-01T00:00:00)",
     "cron(0  12 * * ? *)"],
)  # fmt: skip
def test_invalid_expressions_for_rules(text):
    with pytest.raises(InvalidExpression):
        parse(text)


def test_rate_counts_from_its_anchor():
    assert fires("rate(5 minutes)") == ["2026-01-01T00:05+0000", "2026-01-01T00:10+0000", "2026-01-01T00:15+0000"]
    assert fires("rate(1 day)", count=2) == ["2026-01-02T00:00+0000", "2026-01-03T00:00+0000"]
    assert fires("rate(2 hours)", count=1) == ["2026-01-01T02:00+0000"]


def test_cron_lists_ranges_and_steps():
    assert fires("cron(5,35 14 * * ? *)") == ["2026-01-01T14:05+0000", "2026-01-01T14:35+0000", "2026-01-02T14:05+0000"]
    assert fires("cron(0/20 8-9 ? * MON-FRI *)", count=7)[-2:] == ["2026-01-01T09:40+0000", "2026-01-02T08:00+0000"]
    assert fires("cron(0 18 ? * MON-FRI *)", count=3) == [
        "2026-01-01T18:00+0000", "2026-01-02T18:00+0000", "2026-01-05T18:00+0000"]  # fmt: skip
    assert fires("cron(0 0 1 JAN-MAR ? *)", count=3) == [
        "2026-02-01T00:00+0000", "2026-03-01T00:00+0000", "2027-01-01T00:00+0000"]  # fmt: skip


def test_cron_last_weekday_and_nth():
    assert fires("cron(0 9 L * ? *)", count=2) == ["2026-01-31T09:00+0000", "2026-02-28T09:00+0000"]
    assert fires("cron(0 9 LW * ? *)", count=2) == ["2026-01-30T09:00+0000", "2026-02-27T09:00+0000"]
    assert fires("cron(0 9 15W * ? *)", count=3) == [
        "2026-01-15T09:00+0000", "2026-02-16T09:00+0000", "2026-03-16T09:00+0000"]  # Feb/Mar 15 are Sundays
    assert fires("cron(0 9 1W * ? *)", after=datetime(2026, 1, 31, tzinfo=UTC), count=1) == ["2026-02-02T09:00+0000"]
    assert fires("cron(0 2 ? * SAT#3 *)", count=2) == ["2026-01-17T02:00+0000", "2026-02-21T02:00+0000"]
    assert fires("cron(15 10 ? * 6L *)", count=2) == ["2026-01-30T10:15+0000", "2026-02-27T10:15+0000"]
    assert fires("cron(0 0 ? * L *)", count=1) == ["2026-01-03T00:00+0000"]  # L alone is Saturday


def test_cron_years_bound_the_schedule():
    assert fires("cron(0/5 5 ? JAN 1-5 2022)") == []
    assert fires("cron(0 0 1 1 ? 2026-2027)", count=3) == ["2027-01-01T00:00+0000"]


def test_cron_in_a_time_zone_across_spring_forward():
    """02:30 does not exist in New York on 2026-03-08: that firing is skipped."""
    after = datetime(2026, 3, 6, 12, tzinfo=UTC)
    assert fires("cron(30 2 * * ? *)", after=after, zone="America/New_York", rules=False) == [
        "2026-03-07T07:30+0000", "2026-03-09T06:30+0000", "2026-03-10T06:30+0000"]  # fmt: skip
    assert fires("cron(0 9 * * ? *)", after=after, zone="America/New_York", rules=False, count=3) == [
        "2026-03-06T14:00+0000", "2026-03-07T14:00+0000", "2026-03-08T13:00+0000"]  # fmt: skip


def test_cron_in_a_time_zone_across_fall_back():
    """01:30 happens twice in New York on 2026-11-01: it fires once, at the first."""
    after = datetime(2026, 10, 31, 12, tzinfo=UTC)
    assert fires("cron(30 1 * * ? *)", after=after, zone="America/New_York", rules=False) == [
        "2026-11-01T05:30+0000", "2026-11-02T06:30+0000", "2026-11-03T06:30+0000"]  # fmt: skip
    hourly = fires("cron(30 * * * ? *)", after=datetime(2026, 11, 1, 4, tzinfo=UTC), zone="America/New_York",
                   rules=False, count=4)  # fmt: skip
    assert hourly == ["2026-11-01T04:30+0000", "2026-11-01T05:30+0000", "2026-11-01T07:30+0000",
                      "2026-11-01T08:30+0000"]  # fmt: skip


def test_at_is_scheduler_only_and_in_its_time_zone():
    with pytest.raises(InvalidExpression):
        parse("at(2026-01-01T00:00:00)")
    at = parse("at(2026-07-01T09:00:00)", timezone_name="Europe/Paris", rules=False)
    assert at.next_after(T0, T0) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert at.next_after(datetime(2026, 8, 1, tzinfo=UTC), T0) is None
    for bad in ("at(2021-12-31T23:59:59Z)", "at(2021-12-31)", "at(2021-13-01T00:00:00)"):
        with pytest.raises(InvalidExpression):
            parse(bad, rules=False)


def test_scheduler_rates_need_no_number_agreement():
    assert parse("rate(1 minutes)", rules=False).seconds == 60
    with pytest.raises(InvalidExpression):
        parse("cron(0 12 * * ? *)", timezone_name="Mars/Olympus", rules=False)

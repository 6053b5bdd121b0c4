"""Schedule expressions in AWS's dialect: ``rate(…)``, 6-field ``cron(…)`` and Scheduler's ``at(…)``.

No maintained library speaks this dialect with time zones: croniter is 5/6-field Unix cron
(seconds, no ``?`` rule, no year), pyawscron evaluates in UTC only and accepts expressions AWS
refuses. So the parser is here, with AWS's rules: Min Hour Day-of-month Month Day-of-week
Year; exactly one of the day fields is ``?``; ``L`` / ``W`` / ``LW`` in day-of-month, ``L``,
``6L`` and ``SAT#3`` in day-of-week (1 = SUN); rate units agree in number for rules
(``rate(1 minute)``, ``rate(5 minutes)``).

Times are evaluated in the expression's IANA time zone (rules: UTC). Across daylight-saving
changes, as EventBridge Scheduler documents: a wall time that does not exist (spring forward)
is skipped, and a wall time that happens twice (fall back) fires once, at its first occurrence.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RATE_RE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
CRON_RE = re.compile(r"cron\(([^()]*)\)")
AT_RE = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}
DAYS = {name: number for number, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
# field: (low, high, names)
FIELDS = [(0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, MONTHS), (1, 7, DAYS), (1970, 2199, {})]
LAST_YEAR = 2199


class InvalidExpression(ValueError):
    """The expression is not valid (each service words the error its own way)."""


class Expression:
    """A parsed schedule: ``next_after(t)`` is the first firing strictly after ``t`` (UTC), or None."""

    text: str
    one_time = False

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        raise NotImplementedError


@dataclass
class Rate(Expression):
    text: str
    seconds: int

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """Every ``seconds`` from ``anchor`` (a rule's creation, a schedule's start)."""
        if after < anchor:
            return anchor
        periods = int((after - anchor).total_seconds() // self.seconds) + 1
        return anchor + timedelta(seconds=periods * self.seconds)


@dataclass
class At(Expression):
    text: str
    when: datetime
    one_time = True

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        return self.when if self.when > after else None


@dataclass
class Cron(Expression):
    text: str
    zone: ZoneInfo
    minutes: list[int]
    hours: list[int]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: str  # the raw field: "?" or its spec (L/W need the month to be known)
    day_of_week: str

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        start = (after + timedelta(minutes=1)).astimezone(self.zone).replace(second=0, microsecond=0, tzinfo=None)
        day = start.date()
        while day.year <= LAST_YEAR:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = _next_month(day)
                continue
            if self._day_matches(day):
                first = (start.hour, start.minute) if day == start.date() else (0, 0)
                for hour in self.hours:
                    for minute in self.minutes:
                        if (hour, minute) < first:
                            continue
                        moment = _existing(datetime(day.year, day.month, day.day, hour, minute), self.zone)
                        if moment is not None and moment > after:
                            return moment
            day += timedelta(days=1)
        return None

    def _day_matches(self, day: date) -> bool:
        if self.day_of_month != "?":
            return day.day in _month_days(self.day_of_month, day.year, day.month)
        return day.day in _week_days(self.day_of_week, day.year, day.month)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _existing(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall time (its first occurrence), None when the wall time is skipped."""
    aware = local.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(timezone.utc)
    if utc.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return utc


def parse(text: str, *, timezone_name: str = "UTC", rules: bool = True) -> Expression:
    """Parse a schedule expression; ``rules`` applies EventBridge rules' dialect (no ``at``, number agreement)."""
    zone = _zone(timezone_name)
    if (match := RATE_RE.fullmatch(text)) is not None:
        count, unit = int(match[1]), match[2]
        if count < 1 or (rules and (count == 1) != (not unit.endswith("s"))):
            raise InvalidExpression(text)
        return Rate(text, count * UNIT_SECONDS[unit.rstrip("s")])
    if (match := CRON_RE.fullmatch(text)) is not None:
        return _cron(text, match[1], zone)
    if not rules and (match := AT_RE.fullmatch(text)) is not None:
        try:
            year, month, day, hour, minute, second = (int(part) for part in match.groups())
            local = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise InvalidExpression(text) from None
        return At(text, local.replace(tzinfo=zone).astimezone(timezone.utc))
    raise InvalidExpression(text)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidExpression(f"Invalid time zone {name}") from None


def _cron(text: str, body: str, zone: ZoneInfo) -> Cron:
    fields = body.split(" ")
    if len(fields) != 6 or any(not field for field in fields):
        raise InvalidExpression(text)
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):  # exactly one of the day fields is "?"
        raise InvalidExpression(text)
    try:
        parsed = [_values(field, *FIELDS[index]) for index, field in ((0, minute), (1, hour), (3, month), (5, year))]
        if dom != "?":
            _month_days(dom, 2024, 2)  # checks the spec
        if dow != "?":
            _week_days(dow, 2024, 2)
    except ValueError:
        raise InvalidExpression(text) from None
    minutes, hours, months, years = parsed
    return Cron(text, zone, sorted(minutes), sorted(hours), frozenset(months), frozenset(years), dom, dow)


def _number(word: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(word.upper()) if names and not word.isdigit() else int(word) if word.isdigit() else None
    if value is None or not low <= value <= high:
        raise ValueError(word)
    return value


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """A plain field (``*``, ``5``, ``1-5``, ``0/15``, ``*/15``, ``0-30/5``, lists of those) as its values."""
    out: set[int] = set()
    for item in field.split(","):
        spec, slash, step_text = item.partition("/")
        step = int(step_text) if slash and step_text.isdigit() else None
        if slash and not step:
            raise ValueError(item)
        if spec == "*":
            first, last = low, high
        elif "-" in spec:
            left, _, right = spec.partition("-")
            first, last = _number(left, low, high, names), _number(right, low, high, names)
            if first > last:
                raise ValueError(item)
        else:
            first = _number(spec, low, high, names)
            last = high if slash else first
        out.update(range(first, last + 1, step or 1))
    return out


@lru_cache(maxsize=4096)
def _month_days(spec: str, year: int, month: int) -> set[int]:
    """Day-of-month values in one month: plain values, ``L`` (last), ``LW`` (last weekday), ``15W``."""
    length = calendar.monthrange(year, month)[1]
    if spec == "L":
        return {length}
    if spec == "LW":
        last = date(year, month, length)
        return {length - max(0, last.weekday() - 4)}
    if spec.endswith("W"):
        return {_nearest_weekday(_number(spec[:-1], 1, 31, {}), year, month, length)}
    return {day for day in _values(spec, 1, 31, {}) if day <= length}


def _nearest_weekday(day: int, year: int, month: int, length: int) -> int:
    day = min(day, length)
    weekday = date(year, month, day).weekday()  # Mon=0 .. Sun=6
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < length else day - 2
    return day


@lru_cache(maxsize=4096)
def _week_days(spec: str, year: int, month: int) -> set[int]:
    """Days of one month matching a day-of-week field: values (1 = SUN), ``L``, ``6L`` (last), ``SAT#3``."""
    length = calendar.monthrange(year, month)[1]
    aws_weekday = {day: (date(year, month, day).weekday() + 1) % 7 + 1 for day in range(1, length + 1)}
    if spec == "L":  # alone, L is the last day of the week: every Saturday
        spec = "7"
    if spec.endswith("L"):
        wanted = _number(spec[:-1], 1, 7, DAYS)
        return {max(day for day, weekday in aws_weekday.items() if weekday == wanted)}
    if "#" in spec:
        name, _, nth = spec.partition("#")
        wanted = _number(name, 1, 7, DAYS)
        index = _number(nth, 1, 5, {})
        days = sorted(day for day, weekday in aws_weekday.items() if weekday == wanted)
        return {days[index - 1]} if index <= len(days) else set()
    wanted_days = _values(spec, 1, 7, DAYS)
    return {day for day, weekday in aws_weekday.items() if weekday in wanted_days}

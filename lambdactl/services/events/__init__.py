"""Embedded EventBridge: event buses, rules (event patterns and schedules), targets and PutEvents.

``patterns`` matches events, ``expressions`` parses rate/cron/at, ``inputs`` shapes what a target
receives, ``delivery`` hands it to a Lambda function (through the async queue) or an SQS queue,
and ``timers`` fires what is due, for rules and for EventBridge Scheduler's schedules alike, from
the background worker and ``serve`` (with a clock a state directory can advance, for tests).
"""

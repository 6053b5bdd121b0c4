"""Embedded EventBridge Scheduler: schedule groups and schedules (``at``, ``rate``, ``cron`` in a time
zone) whose timers EventBridge's ``timers`` fire; each firing sends the target its ``Input``."""

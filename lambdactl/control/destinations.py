"""The destinations a function's configuration may name (OnSuccess / OnFailure, its DLQ), checked when
configured; delivering to them is the event machinery's (``events/destinations.py``)."""

from __future__ import annotations

from lambdactl import errors

NO_SNS = "lambdactl has no SNS, so the topic {arn} cannot receive {what}: use an SQS queue{instead}."


def service_of(arn: str) -> str:
    return arn.split(":")[2] if arn.count(":") >= 5 else ""


def check_destination(arn: str) -> None:
    """Configuration time: an SNS topic is refused (function, SQS, bus and S3 ARNs pass the model's pattern)."""
    if service_of(arn) == "sns":
        raise errors.InvalidParameterValueException(
            NO_SNS.format(arn=arn, what="destination records", instead=", a function or an event bus")
        )


def check_dead_letter(arn: str) -> None:
    """Configuration time: a DLQ is an SQS queue (or an SNS topic, which lambdactl does not have)."""
    if not arn:
        return  # "" clears it
    if service_of(arn) == "sns":
        raise errors.InvalidParameterValueException(NO_SNS.format(arn=arn, what="dead letters", instead=""))
    if service_of(arn) != "sqs" or arn.count(":") != 5:
        raise errors.InvalidParameterValueException(
            f"The dead-letter target {arn} is not an SQS queue or SNS topic ARN."
        )

"""A scheduled function: EventBridge rules invoke it with a "Scheduled Event" (rule ARN in resources)."""


def handler(event, context):
    rule = event["resources"][0].rsplit("/", 1)[-1]
    print(f"{rule} fired for {event['time']}")
    return {"rule": rule, "time": event["time"]}

# hello-python: the smallest Python function. Handler: app.handler, runtime: python3.12.
#   lambdactl create-function --function-name hello-py --runtime python3.12 --handler app.handler \
#       --zip-file fileb://hello-python.zip --role arn:aws:iam::123456789012:role/lambda


def handler(event, context):
    print(f"hello from {context.function_name} ({context.aws_request_id})")
    return {"hello": event.get("name", "world")}

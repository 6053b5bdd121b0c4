#!/bin/sh
# A CI job for any runner (GitHub Actions, GitLab CI, Jenkins, ...): install lambdactl, create a
# function, invoke it with sample events, drain the async work and check the results.
# Run: sh samples/ci-example.sh   (LAMBDACTL=... to use another binary)
set -eu
SAMPLES="$(cd "$(dirname "$0")" && pwd)"

# 1. Install from this checkout into a venv of the job's own (skip when lambdactl is already on PATH).
#    lambdactl is not published on a package index: never install it by name from one, whoever
#    holds that name there is not us.
CHECKOUT="$(dirname "$SAMPLES")"
if ! command -v "${LAMBDACTL:-lambdactl}" >/dev/null 2>&1; then
  python3 -m venv "$CHECKOUT/.venv-ci" && "$CHECKOUT/.venv-ci/bin/pip" install --quiet "$CHECKOUT"
  LAMBDACTL="$CHECKOUT/.venv-ci/bin/lambdactl"
fi
LAMBDACTL="${LAMBDACTL:-lambdactl}"

# 2. A fresh state directory for this job, removed at the end.
LAMBDACTL_STATE_DIR="$(mktemp -d)"
export LAMBDACTL_STATE_DIR
trap 'rm -rf "$LAMBDACTL_STATE_DIR"' EXIT
WORK="$LAMBDACTL_STATE_DIR/work"
mkdir -p "$WORK"
RUNTIME="python3.$(python3 -c 'import sys; print(sys.version_info[1])')"

# 3. Package and create the function; wait until it is Active.
(cd "$SAMPLES/sqs-batch" && python3 -m zipfile -c "$WORK/fn.zip" app.py)
$LAMBDACTL create-function --function-name orders --runtime "$RUNTIME" --handler app.handler \
  --role arn:aws:iam::123456789012:role/ci --zip-file "fileb://$WORK/fn.zip" --query FunctionArn --output text
$LAMBDACTL wait function-active-v2 --function-name orders

# 4. Invoke synchronously: a function error fails the job (exit 1).
$LAMBDACTL generate-event sqs receive-message --body '{"id": 1, "item": "tea", "quantity": 2}' > "$WORK/event.json"
$LAMBDACTL invoke --function-name orders --payload "fileb://$WORK/event.json" --fail-on-function-error "$WORK/out.json"
grep -q '"batchItemFailures": \[\]' "$WORK/out.json"

# 5. Invoke asynchronously, then drain: returns when the queued events have run (exit 255 on timeout).
$LAMBDACTL invoke --function-name orders --invocation-type Event --payload "fileb://$WORK/event.json" "$WORK/async.json"
$LAMBDACTL drain --timeout 60

# 6. Check: nothing failed, and the log shows the order.
test "$($LAMBDACTL list-async-events --function-name orders --status failed --query 'length(AsyncEvents)' --output text)" = 0
$LAMBDACTL logs tail /aws/lambda/orders --format short | grep -q 'order 1: 2 x tea'
echo "ci-example: ok"

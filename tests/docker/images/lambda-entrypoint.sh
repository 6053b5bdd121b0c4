#!/bin/sh
# The official Lambda base images' entrypoint logic (public.ecr.aws/lambda/*), minus the emulator.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  echo "this test image has no aws-lambda-rie: set AWS_LAMBDA_RUNTIME_API" 1>&2
  exit 1
fi
exec $RUNTIME_ENTRYPOINT

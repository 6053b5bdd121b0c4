"""S3's errors (codes, statuses and AWS-recorded messages), in lambdactl's one error hierarchy.

``extra`` holds the elements S3 adds to its XML error (BucketName, Key, ArgumentName, ...).
"""

from __future__ import annotations

from lambdactl.errors import ServiceError, service_error


def _error(code: str, status: int) -> type[ServiceError]:
    return service_error(code, status, "Message")


NoSuchBucket = _error("NoSuchBucket", 404)
NoSuchKey = _error("NoSuchKey", 404)
NoSuchUpload = _error("NoSuchUpload", 404)
BucketAlreadyOwnedByYou = _error("BucketAlreadyOwnedByYou", 409)
BucketNotEmpty = _error("BucketNotEmpty", 409)
InvalidBucketName = _error("InvalidBucketName", 400)
InvalidArgument = _error("InvalidArgument", 400)
InvalidRequest = _error("InvalidRequest", 400)
InvalidRange = _error("InvalidRange", 416)
InvalidPart = _error("InvalidPart", 400)
InvalidPartOrder = _error("InvalidPartOrder", 400)
EntityTooSmall = _error("EntityTooSmall", 400)
EntityTooLarge = _error("EntityTooLarge", 400)
KeyTooLongError = _error("KeyTooLongError", 400)
MalformedXML = _error("MalformedXML", 400)
InvalidDigest = _error("InvalidDigest", 400)
BadDigest = _error("BadDigest", 400)
PreconditionFailed = _error("PreconditionFailed", 412)
IllegalLocationConstraintException = _error("IllegalLocationConstraintException", 400)
InvalidLocationConstraint = _error("InvalidLocationConstraint", 400)
NotFound = service_error("404", 404, "Message", name="NotFound")  # HEAD errors: no body, botocore says "404"

NO_SUCH_BUCKET = "The specified bucket does not exist"
NO_SUCH_KEY = "The specified key does not exist."
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
)
MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"


def no_such_bucket(bucket: str) -> ServiceError:
    return NoSuchBucket(NO_SUCH_BUCKET, BucketName=bucket)


def no_such_key(key: str) -> ServiceError:
    return NoSuchKey(NO_SUCH_KEY, Key=key)

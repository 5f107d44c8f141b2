"""Publishes one message through AWS's SNS Extended Client for Python, the official producer of
large SNS messages: above its threshold it stores the body in S3 and publishes the pointer, with
the ExtendedPayloadSize attribute (SQSLargePayloadSize and the 1.x pointer class when `legacy`).

Reads one JSON object on stdin: endpoint, region, topicArn, bucket, message, attributes (SNS
MessageAttributes), legacy. Prints the SNS MessageId. Run with the Python of the virtualenv that
scripts/servers/moto.mjs builds (SNS_EXTENDED_CLIENT_PYTHON).
"""
import json
import sys

from sns_extended_client import SNSExtendedClientSession

request = json.load(sys.stdin)
session = SNSExtendedClientSession(
    region_name=request["region"], aws_access_key_id="test", aws_secret_access_key="test"
)
sns = session.client("sns", endpoint_url=request["endpoint"])
sns.large_payload_support = request["bucket"]
sns.use_legacy_attribute = bool(request.get("legacy", False))
# The client's own S3 client is made without an endpoint (it would reach AWS): point it at the test server.
sns.s3_client = session.client("s3", endpoint_url=request["endpoint"])
answer = sns.publish(
    TopicArn=request["topicArn"],
    Message=request["message"],
    MessageAttributes=request.get("attributes", {}),
)
print(answer["MessageId"])

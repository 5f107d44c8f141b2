import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqsEventPattern } from '../adapter/sqs-patterns.js';
import { SqsTestKit } from './sqs-test-kit.js';

const seen: unknown[] = [];

@Controller()
class ShippingController {
  // Only the event's source has a handler: the server falls back from detail-type to source.
  @SqsEventPattern('com.example.shipping')
  shipped(@Payload() detail: unknown) {
    seen.push(detail);
  }
}

describe('the test kit routes like the server', () => {
  let kit: SqsTestKit;

  before(async () => {
    kit = await SqsTestKit.create({ controllers: [ShippingController] });
  });

  after(async () => {
    await kit?.close();
  });

  it('falls back from an EventBridge detail-type to its source, as SqsServer does', async () => {
    const event = {
      version: '0',
      id: 'e-1',
      'detail-type': 'Parcel Shipped',
      source: 'com.example.shipping',
      account: '123456789012',
      time: '2026-11-30T00:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { parcel: 42 },
    };
    const result = await kit.deliver({ body: JSON.stringify(event) });
    assert.equal(result.outcome, 'succeeded', JSON.stringify(result));
    assert.deepEqual(seen, [{ parcel: 42 }]);
  });

  it('dead-letters a claim-check pointer as payload-missing: the kit has no S3', async () => {
    const pointer = JSON.stringify([
      'software.amazon.payloadoffloading.PayloadS3Pointer',
      { s3BucketName: 'b', s3Key: 'k' },
    ]);
    const result = await kit.deliver({
      body: pointer,
      attributes: { ExtendedPayloadSize: { DataType: 'Number', StringValue: '2000000' } },
    });
    assert.equal(result.outcome, 'dead-lettered');
    assert.equal(result.reason, 'payload-missing');
  });
});

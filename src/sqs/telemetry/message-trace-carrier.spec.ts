import type { Message } from '@aws-sdk/client-sqs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageTraceCarrier } from './message-trace-carrier.js';
import { xrayToTraceparent } from './xray-trace-header.js';

const W3C = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const OTHER = '00-11111111111111111111111111111111-2222222222222222-01';
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const attr = (value: string) => ({ DataType: 'String', StringValue: value });
const snsBody = (attributes: Record<string, string>) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'n-1',
    Message: '{}',
    MessageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
    ),
  });

describe('the trace context a message carries', () => {
  it('reads traceparent and tracestate from the message attributes first', () => {
    const message: Message = {
      MessageAttributes: { traceparent: attr(W3C), tracestate: attr('k=v') },
      Body: snsBody({ traceparent: OTHER }),
      Attributes: { AWSTraceHeader: XRAY },
    };
    assert.deepEqual(messageTraceCarrier(message), {
      carrier: { traceparent: W3C, tracestate: 'k=v' },
      source: 'attributes',
    });
  });

  it('then the attributes inside an SNS notification (raw delivery off)', () => {
    const message: Message = { Body: snsBody({ traceparent: OTHER }), Attributes: { AWSTraceHeader: XRAY } };
    assert.deepEqual(messageTraceCarrier(message), { carrier: { traceparent: OTHER }, source: 'sns' });
  });

  it("then X-Ray's AWSTraceHeader system attribute, as a W3C traceparent", () => {
    const message: Message = { Body: '{"traceparent":"not an SNS envelope"}', Attributes: { AWSTraceHeader: XRAY } };
    assert.deepEqual(messageTraceCarrier(message), {
      carrier: { traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' },
      source: 'xray',
    });
  });

  it('finds nothing in a plain message, a malformed SNS body or a broken X-Ray header', () => {
    assert.equal(messageTraceCarrier({ Body: '{"a":1}' }), undefined);
    assert.equal(messageTraceCarrier({ Body: '{"Type":"Notification","traceparent": ' }), undefined);
    assert.equal(messageTraceCarrier({ Attributes: { AWSTraceHeader: 'Root=1-xyz;Parent=1' } }), undefined);
  });
});

describe('X-Ray trace header to W3C traceparent', () => {
  it('keeps the trace id and parent, and the sampled flag', () => {
    assert.equal(xrayToTraceparent(XRAY), '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
    assert.equal(
      xrayToTraceparent('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0'),
      '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00',
    );
    assert.equal(
      xrayToTraceparent('Sampled=1;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a:1'),
      '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01',
      'fields in any order, unknown ones ignored',
    );
  });

  it('refuses a header with no parent (a root X-Ray segment continues nothing) or invalid ids', () => {
    assert.equal(xrayToTraceparent('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'), undefined);
    assert.equal(xrayToTraceparent('Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8'), undefined);
    assert.equal(xrayToTraceparent('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000'), undefined);
    assert.equal(xrayToTraceparent('Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8'), undefined);
  });
});

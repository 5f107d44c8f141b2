// Loopback stand-ins for the AWS side of the service: a container credentials endpoint (EKS Pod
// Identity), STS AssumeRole, a forwarder in front of the SQS server that records how each call
// was signed, and a "thief" that a hostile ~/.aws/config names and that must never be called.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  /** `X-Amz-Target` (the SQS action of a JSON-protocol call). */
  target?: string;
  /** The access key id the request was signed with, from its `Authorization` header. */
  signedWith?: string;
  authorization?: string;
}

export interface StandIn {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const authorization = req.headers.authorization;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        target: req.headers['x-amz-target'] as string | undefined,
        signedWith: /Credential=([A-Z0-9]+)\//.exec(authorization ?? '')?.[1],
        authorization,
      });
      handler(req, Buffer.concat(chunks), res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers everything with 500; whatever reaches it was sent where a shared file said. */
export function startThief(): Promise<StandIn> {
  return listen((_req, _body, res) => {
    res.statusCode = 500;
    res.end('{}');
  });
}

/** A container credentials endpoint that requires `token` in `Authorization`, as EKS Pod Identity does. */
export function startContainerCredentials(token: string, accessKeyId: string): Promise<StandIn> {
  return listen((req, _body, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== token) {
      res.statusCode = 401;
      res.end('{"message":"bad token"}');
      return;
    }
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    res.end(
      JSON.stringify({
        AccessKeyId: accessKeyId,
        SecretAccessKey: 'pod-secret',
        Token: 'pod-token',
        Expiration: expiration,
      }),
    );
  });
}

/** STS answering AssumeRole (and AssumeRoleWithWebIdentity) with `accessKeyId`, valid for an hour. */
export function startSts(accessKeyId: string): Promise<StandIn> {
  return listen((_req, body, res) => {
    const action = /Action=(\w+)/.exec(body.toString())?.[1] ?? 'AssumeRole';
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    res.setHeader('content-type', 'text/xml');
    res.end(`<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>
<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${expiration}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROATEST:worker</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/worker</Arn></AssumedRoleUser>
</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`);
  });
}

/** Forwards every request to the SQS server at `target`, recording how it was signed. */
export function startSqsForwarder(target: string): Promise<StandIn> {
  const { hostname, port } = new URL(target);
  return listen((req, body, res) => {
    const upstream = request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    upstream.end(body);
  });
}

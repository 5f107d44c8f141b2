import { NOT_SET } from './env.fields.js';
import { awsSqsEndpoint, isLoopbackUrl, queueUrlOrigin } from './sqs-endpoint.js';

/** The SDK's own endpoint variables: the service never lets the SDK read them. */
export const SDK_ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_STS'] as const;

/** The test-only variable that sends a pod-mode service's SQS calls to a loopback server. */
export const POD_TEST_ENDPOINT_VARIABLE = 'TEST_ONLY_POD_SQS_ENDPOINT';

/** The variables these rules read, as the schema has parsed them. */
export interface EndpointEnv {
  AWS_REGION?: string;
  AWS_DEFAULT_REGION?: string;
  AWS_ENDPOINT_URL?: string;
  AWS_ENDPOINT_URL_SQS?: string;
  AWS_ENDPOINT_URL_STS?: string;
  TEST_ONLY_POD_SQS_ENDPOINT?: string;
  SQS_ENDPOINT?: string;
  SQS_QUEUE_URL: string;
  SQS_DLQ_URL?: string;
}

export type EndpointIssue = { variable: keyof EndpointEnv & string; message: string };

const AWS_QUEUE_URL =
  'an https queue URL on an SQS endpoint of AWS, such as https://sqs.eu-west-1.amazonaws.com/123456789012/orders ' +
  "(legacy queue.amazonaws.com, VPC endpoint and other partitions' hosts are accepted too)";

/**
 * Where SQS and STS requests may go. Pods talk to AWS only: a queue URL must be on an SQS
 * endpoint of AWS in the configured region. The SDK's `AWS_ENDPOINT_URL*` variables are refused
 * everywhere, because the service sets its endpoints itself and the SDK would otherwise send
 * requests, and the web identity token, wherever they name.
 */
export function endpointIssues(env: EndpointEnv, pod: boolean, appEnv: string): EndpointIssue[] {
  const issues: EndpointIssue[] = [];
  for (const variable of SDK_ENDPOINT_VARIABLES) {
    if (!env[variable]) continue;
    issues.push({
      variable,
      message:
        'must be unset: the service sets its AWS endpoints itself, and the SDK would send requests (and the web identity token) ' +
        'wherever this names; a local server goes in SQS_ENDPOINT / AWS_STS_ENDPOINT, in local runs only',
    });
  }
  issues.push(...testHookIssues(env, pod));
  for (const variable of ['SQS_QUEUE_URL', 'SQS_DLQ_URL'] as const) {
    const url = env[variable];
    if (!url) continue;
    const issue = pod || !env.SQS_ENDPOINT ? queueUrlIssue(env, variable, url, pod, appEnv) : undefined;
    if (issue) issues.push(issue);
  }
  return issues;
}

function testHookIssues(env: EndpointEnv, pod: boolean): EndpointIssue[] {
  const value = env.TEST_ONLY_POD_SQS_ENDPOINT;
  if (!value) return [];
  if (!pod)
    return [
      {
        variable: POD_TEST_ENDPOINT_VARIABLE,
        message: 'must be unset: it is a test hook for pod mode; local runs set SQS_ENDPOINT',
      },
    ];
  if (isLoopbackUrl(value)) return [];
  return [
    {
      variable: POD_TEST_ENDPOINT_VARIABLE,
      message:
        'must be a loopback URL (127.0.0.1, [::1] or localhost): it is a test hook that never leaves the machine',
    },
  ];
}

function queueUrlIssue(
  env: EndpointEnv,
  variable: 'SQS_QUEUE_URL' | 'SQS_DLQ_URL',
  url: string,
  pod: boolean,
  appEnv: string,
): EndpointIssue | undefined {
  const aws = awsSqsEndpoint(url);
  if (!aws) {
    if (pod) return { variable, message: `must be ${AWS_QUEUE_URL} when APP_ENV is ${appEnv}` };
    if (isParsableHost(url)) return undefined;
    return {
      variable: 'SQS_ENDPOINT',
      message: `${NOT_SET}: expected the local server's endpoint, since the host of ${variable} is neither an AWS SQS endpoint nor one a client can call`,
    };
  }
  const regionVariable = env.AWS_REGION ? 'AWS_REGION' : env.AWS_DEFAULT_REGION ? 'AWS_DEFAULT_REGION' : undefined;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region || region === aws.region) return undefined;
  return {
    variable,
    message: `is in region ${aws.region}, but ${regionVariable} is ${region}: SQS requests are signed for ${regionVariable}`,
  };
}

function isParsableHost(url: string): boolean {
  try {
    new URL(queueUrlOrigin(url) ?? '');
    return true;
  } catch {
    return false;
  }
}

/**
 * Which hosts are SQS endpoints of AWS, and where the service sends its SQS requests.
 *
 * The SQS client is always given an explicit endpoint: without one, the SDK looks for an
 * `endpoint_url` in the shared config files and the `AWS_ENDPOINT_URL*` variables, and when the
 * queue URL's host differs from what it resolved, it sends the request to the queue URL's host
 * and prints a plain-text warning on every call.
 */

// Partition DNS suffixes, standard and dual-stack (the SDK's partitions.json): aws and
// aws-us-gov, aws-cn, aws-eusc, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f.
const DNS_SUFFIXES = [
  'amazonaws.com',
  'amazonaws.com.cn',
  'amazonaws.eu',
  'c2s.ic.gov',
  'sc2s.sgov.gov',
  'cloud.adc-e.uk',
  'csp.hci.ic.gov',
];
const DUAL_STACK_SUFFIXES = [
  'api.aws',
  'api.amazonwebservices.com.cn',
  'api.amazonwebservices.eu',
  'api.aws.ic.gov',
  'api.aws.scloud',
  'api.cloud-aws.adc-e.uk',
  'api.aws.hci.ic.gov',
];

const REGION = '([a-z]{2,4}(?:-[a-z]+)+-\\d+)';
const escape = (suffix: string) => suffix.replace(/[.-]/g, '\\$&');
const oneOf = (suffixes: string[]) => `(${suffixes.map(escape).join('|')})`;

/** `sqs.<region>.<suffix>`, `sqs-fips.<region>.<suffix>`, dual-stack included. */
const REGIONAL = new RegExp(`^sqs(?:-fips)?\\.${REGION}\\.${oneOf([...DNS_SUFFIXES, ...DUAL_STACK_SUFFIXES])}$`);
/** `queue.amazonaws.com` (us-east-1) and `<region>.queue.amazonaws.com[.cn]`. */
const LEGACY = new RegExp(`^(?:${REGION}\\.)?queue\\.(amazonaws\\.com(?:\\.cn)?)$`);
/** An interface VPC endpoint: `vpce-<id>-<suffix>[-<az>].sqs.<region>.vpce.<suffix>`. */
const VPC_ENDPOINT = new RegExp(
  `^vpce-[0-9a-z]+-[0-9a-z]+(?:-[0-9a-z-]+)?\\.sqs\\.${REGION}\\.vpce\\.${oneOf(DNS_SUFFIXES)}$`,
);
/** What follows the host in an AWS queue URL: `/<account>/<name>`. */
const QUEUE_PATH = /^\/\d{12}\/[\w-]{1,80}(?:\.fifo)?$/;

export interface AwsSqsEndpoint {
  /** Where requests for this queue go: the URL's own host, or the regional host of a legacy one. */
  endpoint: string;
  /** The region the host belongs to (requests are signed for it). */
  region: string;
}

/**
 * The AWS endpoint for an SQS queue URL: regional hosts (FIPS and dual-stack included) and VPC
 * endpoints are used as they are; legacy `queue.amazonaws.com` hosts are mapped to the regional
 * host of the same region, which serves the same queues. Undefined when `queueUrl` is not an
 * https URL of an SQS endpoint of AWS.
 */
export function awsSqsEndpoint(queueUrl: string): AwsSqsEndpoint | undefined {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    return undefined;
  }
  if (
    url.protocol !== 'https:' ||
    url.port !== '' ||
    url.username ||
    url.search ||
    url.hash ||
    !QUEUE_PATH.test(url.pathname)
  )
    return undefined;
  const host = url.hostname;
  const direct = REGIONAL.exec(host) ?? VPC_ENDPOINT.exec(host);
  if (direct) return { endpoint: `https://${host}`, region: direct[1]! };
  const legacy = LEGACY.exec(host);
  if (!legacy) return undefined;
  const region = legacy[1] ?? 'us-east-1';
  return { endpoint: `https://sqs.${region}.${legacy[2]}`, region };
}

/** `scheme://host[:port]` of a queue URL (a pattern: local hosts such as `sqs.us-east-1.127.0.0.1` are not WHATWG-valid). */
export function queueUrlOrigin(queueUrl: string): string | undefined {
  return /^https?:\/\/[^/\s]+/.exec(queueUrl)?.[0];
}

/** True for a URL whose host is this machine (127.0.0.0/8, ::1 or localhost). */
export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname;
    return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/**
 * The endpoint the SQS client is given: `override` when set (a local server, or the pod-mode
 * test hook), else the AWS endpoint of the queue URL, else the queue URL's own origin (a local
 * server without `SQS_ENDPOINT`).
 */
export function sqsClientEndpoint(queueUrl: string, override?: string): string {
  const endpoint = override ?? awsSqsEndpoint(queueUrl)?.endpoint ?? queueUrlOrigin(queueUrl);
  if (!endpoint) throw new Error(`No SQS endpoint for queue URL ${queueUrl}: set SQS_ENDPOINT`);
  return endpoint;
}

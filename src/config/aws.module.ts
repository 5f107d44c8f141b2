import { type FactoryProvider, Global, Logger, Module } from '@nestjs/common';
import { type SqsServerOptions } from '../sqs/index.js';
import { type AwsConfig, awsConfig } from './aws.config.js';
import { type CredentialProviderResult, createCredentialProvider } from './aws-credentials.js';
import { createSqsClientConfig, sqsMaxSockets, toSqsServerOptions } from './sqs-client.factory.js';
import { POD_TEST_ENDPOINT_VARIABLE } from './env.endpoint-rules.js';
import { sqsClientEndpoint } from './sqs-endpoint.js';
import { type ObservabilityConfig, observabilityConfig } from './observability.config.js';
import { type SqsConfig, sqsConfig } from './sqs.config.js';

/** Injection token of the service's {@link CredentialProviderResult}. */
export const AWS_CREDENTIALS = Symbol('AWS_CREDENTIALS');
/** Injection token of the transport's options (`SqsServerOptions`) built from the `sqs` namespace. */
export const SQS_SERVER_OPTIONS = Symbol('SQS_SERVER_OPTIONS');

const awsCredentialsProvider: FactoryProvider<CredentialProviderResult> = {
  provide: AWS_CREDENTIALS,
  inject: [awsConfig.KEY],
  useFactory: (aws: AwsConfig) => {
    const credentials = createCredentialProvider(aws);
    new Logger('AwsCredentials').log(`AWS credentials: ${credentials.source}; region ${aws.region}`);
    return credentials;
  },
};

const sqsServerOptionsProvider: FactoryProvider<SqsServerOptions> = {
  provide: SQS_SERVER_OPTIONS,
  inject: [awsConfig.KEY, sqsConfig.KEY, observabilityConfig.KEY, AWS_CREDENTIALS],
  useFactory: (
    aws: AwsConfig,
    sqs: SqsConfig,
    observability: ObservabilityConfig,
    credentials: CredentialProviderResult,
  ) => {
    const logger = new Logger('SqsClient');
    const endpoint = sqsClientEndpoint(sqs.queueUrl, aws.sqsEndpoint);
    if (aws.sqsEndpointIsTestHook) {
      logger.warn(
        `${POD_TEST_ENDPOINT_VARIABLE} is set: SQS requests go to ${endpoint}, not to AWS. It is a test hook; never set it in a deployment`,
      );
    }
    logger.log(
      `SQS client: endpoint ${endpoint}, request timeout ${sqs.receiveRequestTimeoutMs} ms (long poll ${sqs.waitTimeSeconds} s), ` +
        `connection timeout ${sqs.connectionTimeoutMs} ms, keep-alive, ${sqsMaxSockets(sqs)} sockets`,
    );
    return toSqsServerOptions(sqs, createSqsClientConfig({ aws, sqs }, credentials), observability.otelEnabled);
  },
};

/**
 * Global providers for the AWS side: {@link AWS_CREDENTIALS} (logs the chosen source once) and
 * {@link SQS_SERVER_OPTIONS}. Needs the global ConfigModule of `createConfigModule()`.
 */
@Global()
@Module({
  providers: [awsCredentialsProvider, sqsServerOptionsProvider],
  exports: [AWS_CREDENTIALS, SQS_SERVER_OPTIONS],
})
export class AwsModule {}

// The observer contract lives with the transport; re-exported here for the health module's readers.
export { SQS_SERVER_TOKEN, type SqsServerLike } from '../sqs/index.js';

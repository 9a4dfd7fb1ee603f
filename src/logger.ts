import { createRequire } from "node:module";
import { pino, type Logger } from "pino";

export type { Logger };

const SECRETS = ["apiKey", "password", "secret", "token", "replyToken", "authorization"];
const CLIENT_TEXT = ["text", "question", "body", "answer", "prompt"];

/** Each key at the top of a log line and one level down (`log.info({apiKey})` and `log.info({odoo: {apiKey}})`). */
const everywhere = (keys: string[]) => keys.flatMap((k) => [k, `*.${k}`]);

/** pino-pretty in-process (no worker thread): loaded only for a person at a terminal. */
function prettyStream(): pino.DestinationStream {
  const pretty = createRequire(import.meta.url)("pino-pretty") as (opts: object) => pino.DestinationStream;
  return pretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true });
}

/**
 * Client message text and secrets stay out of the logs unless debug is on: a law firm's log
 * files are read by more people than its case files. Readable lines on a terminal, JSON for a
 * service manager or a log shipper. Errors go under `err` as objects, so their type and stack are kept.
 */
export function createLogger(level = "info", destination?: pino.DestinationStream): Logger {
  const debug = level === "debug" || level === "trace";
  const paths = everywhere(debug ? SECRETS : [...SECRETS, ...CLIENT_TEXT]);
  const stream = destination ?? (process.stdout.isTTY ? prettyStream() : undefined);
  return pino(
    { level, redact: { paths: [...paths, "headers.authorization"], censor: "[redacted]" }, serializers: { err: pino.stdSerializers.errWithCause } },
    stream,
  );
}

import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Client message text and secrets stay out of the logs unless debug is on: a law firm's log
 * files are read by more people than its case files.
 */
export function createLogger(level = "info", destination?: pino.DestinationStream): Logger {
  const debug = level === "debug" || level === "trace";
  const secrets = ["*.apiKey", "*.password", "*.secret", "*.token", "*.replyToken", "headers.authorization"];
  const clientText = ["*.text", "*.question", "*.body", "*.answer", "*.prompt"];
  return pino(
    { level, redact: { paths: debug ? secrets : [...secrets, ...clientText], censor: "[redacted]" } },
    destination,
  );
}

import { Writable } from "node:stream";

/** Where a command reads its settings and writes its output: the process's, or a test's. */
export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

export const processIO = (): CliIO => ({ env: process.env, stdout: process.stdout, stderr: process.stderr });

export const println = (stream: Writable, text = "") => void stream.write(`${text}\n`);

/** A command's failure the user can fix; `main` prints it without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

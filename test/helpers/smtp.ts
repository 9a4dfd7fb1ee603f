import PostalMime from "postal-mime";
import { SMTPServer } from "smtp-server";

export interface Captured {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

export interface SmtpSink {
  /** `smtp://user:password@127.0.0.1:port`, as an operator would set SMTP_URL. */
  url: string;
  mails: Captured[];
  /** The next `n` messages are refused with 451 (try again later). */
  refuseNext(n: number): void;
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it is given, and can refuse with 451. */
export async function startSmtp(user: string, pass: string): Promise<SmtpSink> {
  const mails: Captured[] = [];
  let refusals = 0;
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, done) => (auth.username === user && auth.password === pass ? done(null, { user }) : done(new Error("535 bad credentials"))),
    onData: (stream, session, done) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (refusals > 0) {
          refusals--;
          return done(Object.assign(new Error("Mailbox busy, try again later"), { responseCode: 451 }));
        }
        const parsed = await PostalMime.parse(Buffer.concat(chunks));
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject ?? "",
          text: parsed.text ?? "",
        });
        done();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://${user}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    mails,
    refuseNext: (n: number) => void (refusals = n),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";

/** Debian's `dovecot-imapd` puts the server here; `DOVECOT_BIN` points elsewhere. */
export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? "/usr/sbin/dovecot";

export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BIN);
}

export function dovecotVersion(): string {
  return execFileSync(DOVECOT_BIN, ["--version"], { encoding: "utf8" }).trim();
}

export interface MailboxMessage {
  uid: number;
  messageId: string | undefined;
  seen: boolean;
}

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** `imap://user:password@127.0.0.1:port/<mailbox>`, as an operator would set IMAP_URL. */
  imapUrl(mailbox?: string): string;
  /** A fresh, unconnected client for this server. */
  client(): ImapFlow;
  /** Creates a folder, so that each test can poll one of its own on the same server. */
  createMailbox(name: string): Promise<void>;
  /** Delivers a message the way a mail server would leave it: unseen, by IMAP APPEND. */
  deliver(raw: string | Buffer, mailbox?: string): Promise<void>;
  /** What a mailbox holds now (empty when it does not exist). */
  messages(mailbox?: string): Promise<MailboxMessage[]>;
  /** The server's own log, for a failing test's message. */
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The fields of a line of /etc/passwd or /etc/group whose field `key` is `value`. */
function entry(file: "/etc/passwd" | "/etc/group", key: number, value: string): string[] | undefined {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.split(":"))
    .find((f) => f[key] === value);
}

/** A system account's uid and gid. */
function account(name: string): { uid: number; gid: number } | undefined {
  const f = entry("/etc/passwd", 0, name);
  return f && { uid: Number(f[2]), gid: Number(f[3]) };
}

/**
 * Who runs what. As root (here and in CI) dovecot refuses to run its login processes as root and
 * refuses uid 0 for mail, so it uses the `dovecot`/`dovenull` accounts its package creates and
 * keeps the mail as `nobody`. As another user everything runs as that user.
 */
function identities(): { internalUser: string; internalGroup: string; loginUser: string; mail: { uid: number; gid: number } } {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    const group = entry("/etc/group", 2, String(me.gid))?.[0] ?? String(me.gid);
    return { internalUser: me.username, internalGroup: group, loginUser: me.username, mail: { uid: me.uid, gid: me.gid } };
  }
  const nobody = account("nobody");
  if (!nobody || !account("dovecot") || !account("dovenull")) throw new Error("dovecot test server needs the accounts nobody, dovecot and dovenull (apt-get install dovecot-imapd creates them)");
  return { internalUser: "dovecot", internalGroup: "dovecot", loginUser: "dovenull", mail: nobody };
}

function configText(dir: string, port: number, who: ReturnType<typeof identities>): string {
  return `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# a test with a wrong password should not wait out the brute-force delay
auth_failure_delay = 0
default_internal_user = ${who.internalUser}
default_internal_group = ${who.internalGroup}
default_login_user = ${who.loginUser}
first_valid_uid = ${who.mail.uid}
last_valid_uid = ${who.mail.uid}
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${who.mail.uid} gid=${who.mail.gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`;
}

/** Waits for the server's greeting on the port. */
async function greeting(port: number, proc: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`dovecot exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("data", (d) => {
        socket.destroy();
        resolve(d.toString().startsWith("* OK"));
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not greet on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A throwaway dovecot on 127.0.0.1: its config, users, maildir and sockets all under one temporary
 * folder; nothing of the system's dovecot configuration is read or touched.
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), "lexreply-dovecot-"));
  // The mail and login processes run as other accounts and must reach into the folder.
  chmodSync(dir, 0o755);
  const who = identities();
  mkdirSync(join(dir, "mail"));
  chownSync(join(dir, "mail"), who.mail.uid, who.mail.gid);
  const user = "firm-inbox";
  const password = `p@ss/${randomBytes(6).toString("hex")}`; // characters that need percent-encoding in IMAP_URL
  writeFileSync(join(dir, "users"), `${user}:{PLAIN}${password}\n`);
  const port = await freePort();
  const conf = join(dir, "dovecot.conf");
  writeFileSync(conf, configText(dir, port, who));
  const proc = spawn(DOVECOT_BIN, ["-F", "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += String(d)));
  const log = () => `${stderr}${existsSync(join(dir, "dovecot.log")) ? readFileSync(join(dir, "dovecot.log"), "utf8") : ""}`;
  try {
    await greeting(port, proc);
  } catch (err) {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${log()}`);
  }

  const client = () => new ImapFlow({ host: "127.0.0.1", port, secure: false, auth: { user, pass: password }, logger: false });
  const withClient = async <T>(work: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = client();
    c.on("error", () => {});
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.logout();
    }
  };
  return {
    port,
    user,
    password,
    imapUrl: (mailbox = "INBOX") => `imap://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(mailbox)}`,
    client,
    createMailbox: (name) => withClient(async (c) => void (await c.mailboxCreate(name))),
    deliver: (raw, mailbox = "INBOX") => withClient(async (c) => void (await c.append(mailbox, raw, []))),
    messages: (mailbox = "INBOX") =>
      withClient(async (c) => {
        if (!(await c.list()).some((m) => m.path === mailbox)) return [];
        const lock = await c.getMailboxLock(mailbox, { readOnly: true });
        try {
          const found: MailboxMessage[] = [];
          for await (const m of c.fetch("1:*", { uid: true, flags: true, envelope: true })) {
            found.push({ uid: m.uid, messageId: m.envelope?.messageId, seen: m.flags?.has("\\Seen") ?? false });
          }
          return found;
        } finally {
          lock.release();
        }
      }),
    log,
    async close() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestMail {
  from: string;
  to?: string;
  subject: string;
  body: string;
  messageId?: string;
  /** Extra header lines, e.g. `Auto-Submitted: auto-replied`. */
  headers?: string[];
}

/** An RFC 5322 message as it sits in a mailbox: CRLF lines, UTF-8 text sent as 8bit. */
export function rawMail(m: TestMail): string {
  const id = m.messageId ?? `<${randomBytes(8).toString("hex")}@client.example>`;
  return [
    `From: ${m.from}`,
    `To: ${m.to ?? "inbox@mingli-law.example.tw"}`,
    `Subject: ${m.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${id}`,
    ...(m.headers ?? []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
    "",
    m.body,
    "",
  ].join("\r\n");
}

/** Retries an assertion until it holds or the time is up; then fails with its last error. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * One dovecot for the whole describe block, skipped with a clear line where the binary is absent, and
 * a fresh folder per test (IMAP_URL's path names the mailbox to poll). Call inside `describe`.
 */
export function dovecotPerFile(opts: { announce?: boolean } = {}): { server: () => Dovecot; folder: () => string } {
  let dovecot: Dovecot | undefined;
  let folder = "";
  let tests = 0;
  before(async function () {
    if (!dovecotAvailable()) {
      console.warn("    SKIPPED: no dovecot binary (apt-get install dovecot-imapd); these tests need a real IMAP server");
      this.skip();
    }
    if (opts.announce) console.log(`    against ${dovecotVersion()}`);
    dovecot = await startDovecot();
  });
  after(async () => {
    await dovecot?.close();
  });
  beforeEach(async () => {
    folder = `Inbox-test-${++tests}`;
    await dovecot!.createMailbox(folder);
  });
  return { server: () => dovecot!, folder: () => folder };
}

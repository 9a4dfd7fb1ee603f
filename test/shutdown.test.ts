import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Writable } from "node:stream";
import { AskJobs } from "../src/jobs/ask-jobs.js";
import { createLogger } from "../src/logger.js";
import type { Outcome } from "../src/pipeline/answer-ticket.js";
import { shutdown } from "../src/shutdown.js";

const quiet = () => createLogger("fatal", new Writable({ write: (_c, _e, done) => done() }));

describe("the shutdown routine", () => {
  it("stops accepting, lets running answers finish, leaves queued ones, then stops channels in reverse and stores last", async () => {
    const order: string[] = [];
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const jobs = new AskJobs({
      concurrency: 1,
      log: quiet(),
      run: async (job) => {
        started.push(job.ticketId);
        await gate;
        order.push(`answer ${job.ticketId} done`);
        return { state: "sent" } as Outcome;
      },
    });
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    jobs.submit(1, 10);
    jobs.submit(2, 20);
    const stopping = shutdown({
      server,
      jobs,
      channels: [{ stop: () => void order.push("LINE stopped") }, { stop: () => void order.push("e-mail stopped") }],
      stores: [() => void order.push("stores closed")],
      log: quiet(),
    });
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), "no new connection is accepted");
    assert.deepEqual(order, [], "nothing stops while an answer runs");
    release();
    await stopping;
    assert.deepEqual(order, ["answer 1 done", "e-mail stopped", "LINE stopped", "stores closed"]);
    assert.deepEqual(started, [1], "the queued question was not started: Odoo still has it pending");
  });
});

import assert from "node:assert/strict";
import { signBody, verifySignature } from "../src/http/signature.js";

const secret = "s3cret-s3cret-s3cret";
const body = Buffer.from('{"ticket_id":1,"message_id":2,"db":"x"}');

describe("X-LexReply-Signature", () => {
  it("verifies what it signs, on the exact bytes", () => {
    assert.deepEqual(verifySignature(secret, signBody(secret, body), body), { ok: true });
    assert.equal(verifySignature(secret, signBody(secret, body), Buffer.from(body.toString() + " ")).ok, false);
  });

  it("rejects a stale or future signature beyond five minutes, accepts one within", () => {
    const now = 1_800_000_000;
    assert.equal(verifySignature(secret, signBody(secret, body, now - 301), body, now).ok, false);
    assert.equal(verifySignature(secret, signBody(secret, body, now + 301), body, now).ok, false);
    assert.equal(verifySignature(secret, signBody(secret, body, now - 299), body, now).ok, true);
  });

  it("rejects a missing, malformed or wrong-secret header", () => {
    assert.equal(verifySignature(secret, undefined, body).ok, false);
    assert.equal(verifySignature(secret, "v1=abc", body).ok, false);
    assert.equal(verifySignature(secret, signBody("another-secret-value", body), body).ok, false);
  });
});

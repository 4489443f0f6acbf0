// Starts the standalone engine (`growthkit-engine`) on a free loopback port with a fresh database, and
// stops it when the tests end.
import { spawn } from "node:child_process";
import dns from "node:dns";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");

/** The key the sandbox is started with; SDKs pass it as `apiKey`. */
export const API_KEY = "test_sdk_sandbox_key";

// Chargebee's SDKs address a site as `{site}{hostSuffix}` and Growth calls as `{site}.grow{hostSuffix}`,
// so a sandbox needs two names for one loopback address. Names under `.localhost` mean loopback
// (RFC 6761) and browsers resolve them so, but glibc does not: this process resolves them itself.
const systemLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === "function") [callback, options] = [options, {}];
  if (hostname === "localhost" || hostname.endsWith(".localhost")) {
    const address = { address: "127.0.0.1", family: 4 };
    return process.nextTick(() =>
      options && options.all ? callback(null, [address]) : callback(null, address.address, address.family),
    );
  }
  return systemLookup.call(dns, hostname, options, callback);
};

/** Chargebee's Node SDK pointed at a started sandbox, as the engine's README configures it. */
export function sdkClient(Chargebee, sandbox, apiKey = API_KEY) {
  return new Chargebee({ site: "sandbox", apiKey, protocol: "http", hostSuffix: ".localhost", port: sandbox.port });
}

/** A test card the sandbox's gateway approves. */
export const CARD = { number: "4111111111111111", expiry_month: 12, expiry_year: 2099, cvv: "123" };

/** The publishable key the sandbox runs with (`GROWTHKIT_PUBLISHABLE_KEY`'s default). */
export const PUBLISHABLE_KEY = "test_growthkit_publishable_key";

/**
 * The browser's half of a card payment, as the engine's card script does it: posts the card for payment
 * intent `id` to the sandbox's card endpoint. Resolves with the HTTP status and body.
 */
export async function authorizeInBrowser(sandbox, id, card = CARD) {
  const body = new URLSearchParams({
    publishable_key: PUBLISHABLE_KEY,
    "card[number]": card.number,
    "card[expiry_month]": String(card.expiry_month),
    "card[expiry_year]": String(card.expiry_year),
    "card[cvv]": card.cvv,
  });
  const res = await fetch(`http://127.0.0.1:${sandbox.port}/js/v2/payment_intents/${id}/authorize`, {
    method: "POST",
    body,
  });
  return { status: res.status, body: await res.json() };
}

/** Asserts that `call` is refused as an endpoint of the other product catalog version. */
export async function assertIncompatible(assert, call, what) {
  const err = await refusal(call);
  assert.ok(err, `${what} is refused`);
  assert.equal(err.http_status_code, 400, what);
  assert.equal(err.api_error_code, "configuration_incompatible", what);
}

/** The error a call fails with, or `null` when it succeeds (for asserting refusals). */
export function refusal(promise) {
  return promise.then(
    () => null,
    (err) => err,
  );
}

/**
 * Starts the sandbox on product catalog `catalog` (`v2`, Chargebee's default for new sites, or `v1`);
 * resolves with its port and a `stop()` once it listens.
 */
export async function startSandbox({ catalog = "v2" } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "growthkit-sandbox-"));
  const bin = process.env.GROWTHKIT_ENGINE_BIN ?? path.join(root, "target/debug/growthkit-engine");
  const child = spawn(bin, [], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      NO_COLOR: "1",
      RUST_LOG: "info",
      DATABASE_URL: `sqlite://${dir}/engine.db`,
      GROWTHKIT_ENGINE_ADDR: "127.0.0.1:0",
      GROWTHKIT_API_KEY: API_KEY,
      GROWTHKIT_PRODUCT_CATALOG: catalog,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`the sandbox did not start: ${seen}`)), 30_000);
    child.on("exit", (code) => reject(new Error(`the sandbox exited with ${code}: ${seen}`)));
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const found = /sandbox at http:\/\/127\.0\.0\.1:(\d+)\/api\/v2/.exec(seen);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    });
  });
  child.stdout.resume();
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

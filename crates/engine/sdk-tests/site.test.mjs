// The site-level resources through the official Node SDK: configuration, events, webhook endpoints (with
// delivery to a receiver on loopback) and the test site's time machine.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import Chargebee from "chargebee";
import { refusal, sdkClient, startSandbox } from "./sandbox.mjs";

const CUSTOMER = "demo_acme";
const CARD = { number: "4111111111111111", expiry_month: 12, expiry_year: 2099, cvv: "123" };

let sandbox;
let chargebee;
let receiver;
const received = [];

before(async () => {
  sandbox = await startSandbox();
  chargebee = sdkClient(Chargebee, sandbox);
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ path: req.url, auth: req.headers.authorization, event: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});

after(async () => {
  await sandbox?.stop();
  receiver?.close();
});

/** Waits (bounded) until the receiver has a delivery matching `pick`. */
async function delivery(pick) {
  for (let i = 0; i < 100; i += 1) {
    const found = received.find(pick);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return null;
}

test("the site says it runs product catalog 2.0", async () => {
  const { configurations } = await chargebee.configuration.list();
  assert.equal(configurations.length, 1);
  assert.equal(configurations[0].product_catalog_version, "v2");
});

test("webhook endpoints are created, listed, updated and deleted, and receive their events", async () => {
  const base = `http://127.0.0.1:${receiver.address().port}`;
  const made = await chargebee.webhookEndpoint.create({
    name: "Second app",
    url: `${base}/second`,
    basic_auth_username: "hook",
    basic_auth_password: "secret",
    enabled_events: ["subscription_created"],
  });
  const endpoint = made.webhook_endpoint;
  assert.match(endpoint.id, /^whv2_/);
  assert.equal(endpoint.api_version, "v2");
  assert.deepEqual(endpoint.enabled_events, ["subscription_created"]);
  assert.equal(endpoint.basic_auth_password, undefined, "the password is never shown");

  const listed = await chargebee.webhookEndpoint.list();
  assert.ok(listed.list.some((e) => e.webhook_endpoint.id === endpoint.id));

  await chargebee.paymentSource.createCard({ customer_id: CUSTOMER, card: CARD });
  const created = await chargebee.subscription.createWithItems(CUSTOMER, {
    subscription_items: [{ item_price_id: "credits-pro-USD-monthly" }],
  });
  const hook = await delivery((d) => d.path === "/second" && d.event.content.subscription?.id === created.subscription.id);
  assert.ok(hook, "the endpoint got the subscription_created event");
  assert.equal(hook.event.event_type, "subscription_created");
  assert.equal(hook.auth, `Basic ${Buffer.from("hook:secret").toString("base64")}`);
  assert.ok(!received.some((d) => d.path === "/second" && d.event.event_type === "payment_succeeded"),
    "events it did not enable are not sent");

  const event = await chargebee.event.retrieve(hook.event.id);
  assert.equal(event.event.id, hook.event.id);
  const typed = await chargebee.event.list({ event_type: { is: "subscription_created" }, limit: 100 });
  assert.ok(typed.list.every((e) => e.event.event_type === "subscription_created"));
  assert.ok(typed.list.some((e) => e.event.id === hook.event.id));

  const disabled = await chargebee.webhookEndpoint.update(endpoint.id, { disabled: true });
  assert.equal(disabled.webhook_endpoint.disabled, true);
  const retrieved = await chargebee.webhookEndpoint.retrieve(endpoint.id);
  assert.equal(retrieved.webhook_endpoint.name, "Second app");

  const deleted = await chargebee.webhookEndpoint.delete(endpoint.id);
  assert.equal(deleted.webhook_endpoint.id, endpoint.id);
  const gone = await refusal(chargebee.webhookEndpoint.retrieve(endpoint.id));
  assert.equal(gone?.http_status_code, 404);

  const bad = await refusal(chargebee.webhookEndpoint.create({ name: "x", url: "ftp://example.test" }));
  assert.equal(bad?.param, "url");
});

test("the time machine travels forward with the SDK's form encoding", async () => {
  const before = await chargebee.timeMachine.retrieve("delorean");
  const destination = before.time_machine.destination_time + 2 * 86_400;
  const moved = await chargebee.timeMachine.travelForward("delorean", { destination_time: destination });
  assert.ok(moved.time_machine.destination_time >= destination);
  const back = await refusal(chargebee.timeMachine.travelForward("delorean", { destination_time: destination - 86_400 }));
  assert.ok(back, "time does not go backwards");
  assert.equal(back.http_status_code, 400);
});

// Last in this file: it empties the site.
test("starting afresh empties the test site and sets its clock to the genesis time", async () => {
  const listed = await chargebee.customer.list({ limit: 5 });
  assert.ok(listed.list.length > 0);
  const early = await refusal(chargebee.timeMachine.startAfresh("delorean", { genesis_time: 1_000_000 }));
  assert.equal(early?.param, "genesis_time");

  const genesis = Math.floor(Date.now() / 1000) + 3_600;
  const fresh = await chargebee.timeMachine.startAfresh("delorean", { genesis_time: genesis });
  assert.equal(fresh.time_machine.genesis_time, genesis);
  assert.ok(Math.abs(fresh.time_machine.destination_time - genesis) <= 2, "the clock restarted at the genesis");
  assert.equal((await chargebee.customer.list({ limit: 5 })).list.length, 0, "customers are gone");
  assert.ok((await chargebee.itemPrice.list({ limit: 5 })).list.length > 0, "the catalog stays");
  const customer = await chargebee.customer.create({ email: "after@example.test" });
  assert.ok(customer.customer.created_at >= genesis, "new records are dated from the genesis");
});

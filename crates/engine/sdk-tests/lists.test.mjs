// Chargebee's list operations through the official Node SDK: every documented operator the engine serves,
// pagination by next_offset, and a clear refusal for any filter a list does not have.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Chargebee from "chargebee";
import { refusal, sdkClient, startSandbox } from "./sandbox.mjs";

const CUSTOMER = "demo_acme";

let sandbox;
let chargebee;

before(async () => {
  sandbox = await startSandbox();
  chargebee = sdkClient(Chargebee, sandbox);
});

after(async () => {
  await sandbox?.stop();
});

async function assertRefused(call, param) {
  const err = await refusal(call);
  assert.ok(err, `${param} is refused`);
  assert.equal(err.http_status_code, 400, param);
  assert.equal(err.api_error_code, "param_wrong_value", param);
  assert.equal(err.param, param);
}

test("a customer created without an id gets one, and lists filter on every operator", async () => {
  const made = await chargebee.customer.create({ first_name: "Nadia", last_name: "Lists", email: "Nadia@Lists.test" });
  assert.match(made.customer.id, /^[0-9a-f]{16}$/, "the engine chose an id");
  await chargebee.customer.create({ id: "list_b", first_name: "Bo", email: "bo@lists.test" });
  await chargebee.customer.create({ id: "list_c", email: "cy@lists.test" });

  const byEmail = await chargebee.customer.list({ email: { is: "nadia@lists.test" } });
  assert.deepEqual(byEmail.list.map((e) => e.customer.id), [made.customer.id], "e-mail matches in any case");

  const listed = await chargebee.customer.list({ id: { in: ["list_b", "list_c", "nobody"] } });
  assert.deepEqual(listed.list.map((e) => e.customer.id).sort(), ["list_b", "list_c"]);

  const prefixed = await chargebee.customer.list({ id: { starts_with: "list_" }, "sort_by[asc]": "created_at" });
  assert.deepEqual(prefixed.list.map((e) => e.customer.id), ["list_b", "list_c"]);

  const nameless = await chargebee.customer.list({ first_name: { is_present: false }, id: { starts_with: "list_" } });
  assert.deepEqual(nameless.list.map((e) => e.customer.id), ["list_c"]);

  const now = Math.floor(Date.now() / 1000);
  const recent = await chargebee.customer.list({ created_at: { between: [now - 3600, now + 3600] }, limit: 100 });
  assert.ok(recent.list.some((e) => e.customer.id === "list_b"));
  const future = await chargebee.customer.list({ created_at: { after: now + 3600 } });
  assert.equal(future.list.length, 0);
});

test("pages follow next_offset to the end without repeating a row", async () => {
  for (const n of [1, 2, 3, 4, 5]) {
    await chargebee.customer.create({ id: `page_${n}`, email: `page${n}@lists.test` });
  }
  const seen = [];
  let offset;
  let pages = 0;
  do {
    const page = await chargebee.customer.list({ id: { starts_with: "page_" }, limit: 2, offset });
    seen.push(...page.list.map((e) => e.customer.id));
    offset = page.next_offset;
    pages += 1;
    assert.ok(pages <= 5, "paging ends");
  } while (offset);
  assert.equal(pages, 3);
  assert.deepEqual(seen, ["page_5", "page_4", "page_3", "page_2", "page_1"], "newest first, each once");

  await assertRefused(chargebee.customer.list({ offset: "not-an-offset" }), "offset");
  await assertRefused(chargebee.customer.list({ limit: 101 }), "limit");
});

test("subscriptions, invoices and gifts honour their filters", async () => {
  const mine = await chargebee.subscription.list({ customer_id: { is: CUSTOMER }, limit: 100 });
  assert.ok(mine.list.length >= 1);
  assert.ok(mine.list.every((e) => e.subscription.customer_id === CUSTOMER));
  const none = await chargebee.subscription.list({ customer_id: { is: "no_such_customer" } });
  assert.equal(none.list.length, 0, "another customer's subscriptions are not listed");

  const active = await chargebee.subscription.list({ status: { in: ["active", "non_renewing"] }, limit: 100 });
  assert.ok(active.list.every((e) => ["active", "non_renewing"].includes(e.subscription.status)));

  const invoices = await chargebee.invoice.list({ customer_id: { is: CUSTOMER }, "sort_by[desc]": "date" });
  assert.ok(invoices.list.every((e) => e.invoice.customer_id === CUSTOMER));

  // The same lists under their parent, as the SDK's subscriptionsForCustomer and invoicesFor… call them.
  const ofCustomer = await chargebee.subscription.subscriptionsForCustomer(CUSTOMER, { limit: 100 });
  assert.deepEqual(
    ofCustomer.list.map((e) => e.subscription.id).sort(),
    mine.list.map((e) => e.subscription.id).sort(),
  );
  assert.ok(ofCustomer.list.every((e) => e.customer.id === CUSTOMER), "each entry carries its customer");
  const forCustomer = await chargebee.invoice.invoicesForCustomer(CUSTOMER, { limit: 100 });
  assert.ok(forCustomer.list.every((e) => e.invoice.customer_id === CUSTOMER));
  const sub = mine.list[0].subscription.id;
  const forSubscription = await chargebee.invoice.invoicesForSubscription(sub, { limit: 100 });
  assert.ok(forSubscription.list.every((e) => e.invoice.subscription_id === sub));
  const unknownParent = await refusal(chargebee.invoice.invoicesForCustomer("no_such_customer"));
  assert.equal(unknownParent?.http_status_code, 404);
  await assertRefused(chargebee.invoice.invoicesForSubscription(sub, { status: { is: "paid" } }), "status[is]");

  const claimed = await chargebee.gift.list({ status: { in: ["claimed"] } });
  assert.ok(claimed.list.every((e) => e.gift.status === "claimed"));
  await assertRefused(chargebee.gift.list({ status: { is: "lost" } }), "status[is]");
});

test("the catalog lists item families, items and item prices, gift plans found through items", async () => {
  const families = await chargebee.itemFamily.list({ limit: 100 });
  const familyIds = families.list.map((e) => e.item_family.id);
  assert.ok(familyIds.includes("gifts") && familyIds.includes("credits"), familyIds.join(","));
  const gifts = await chargebee.itemFamily.retrieve("gifts");
  assert.equal(gifts.item_family.status, "active");

  const giftable = await chargebee.item.list({ is_giftable: { is: true }, type: { is: "plan" }, limit: 100 });
  assert.ok(giftable.list.length >= 3);
  assert.ok(giftable.list.every((e) => e.item.is_giftable && e.item.type === "plan"));
  assert.ok(giftable.list.some((e) => e.item.is_shippable), "one gift plan ships something");

  const ids = giftable.list.map((e) => e.item.id);
  const prices = await chargebee.itemPrice.list({ item_id: { in: ids }, limit: 100 });
  assert.ok(prices.list.length >= ids.length);
  assert.ok(prices.list.every((e) => ids.includes(e.item_price.item_id)));

  const one = await chargebee.itemPrice.retrieve(prices.list[0].item_price.id);
  assert.equal(one.item_price.id, prices.list[0].item_price.id);
  const item = await chargebee.item.retrieve(ids[0]);
  assert.equal(item.item.id, ids[0]);

  const byName = await chargebee.itemPrice.list({ "sort_by[asc]": "name", limit: 100 });
  const names = byName.list.map((e) => e.item_price.name);
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
});

test("every list refuses a filter it does not have, never ignoring it", async () => {
  const lists = [
    ["customer", (p) => chargebee.customer.list(p)],
    ["subscription", (p) => chargebee.subscription.list(p)],
    ["invoice", (p) => chargebee.invoice.list(p)],
    ["unbilled_charge", (p) => chargebee.unbilledCharge.list(p)],
    ["item_family", (p) => chargebee.itemFamily.list(p)],
    ["item", (p) => chargebee.item.list(p)],
    ["item_price", (p) => chargebee.itemPrice.list(p)],
    ["event", (p) => chargebee.event.list(p)],
    ["gift", (p) => chargebee.gift.list(p)],
    ["webhook_endpoint", (p) => chargebee.webhookEndpoint.list(p)],
    ["subscriptions_for_customer", (p) => chargebee.subscription.subscriptionsForCustomer(CUSTOMER, p)],
    ["invoices_for_customer", (p) => chargebee.invoice.invoicesForCustomer(CUSTOMER, p)],
    ["invoices_for_subscription", (p) => chargebee.invoice.invoicesForSubscription("demo_acme_sub", p)],
  ];
  for (const [, list] of lists) {
    await assertRefused(list({ colour: { is: "red" } }), "colour[is]");
  }
  // Documented by Chargebee but not served by the engine: refused, not silently dropped.
  await assertRefused(chargebee.subscription.list({ channel: { is: "web" } }), "channel[is]");
  await assertRefused(chargebee.customer.list({ email: { in: ["a@b.c"] } }), "email[in]");
  await assertRefused(chargebee.invoice.list({ "sort_by[asc]": "total" }), "sort_by[asc]");
});

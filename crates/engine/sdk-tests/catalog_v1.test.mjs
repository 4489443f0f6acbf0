// A product catalog 1.0 site through the official Node SDK: plans and addons with their filters, and every
// billing call Growthkit's Billing port makes on 1.0 — the seed's calls for credit packs (a subscription
// with a non-recurring addon, invoices/charge_addon, charge_addon_at_term_end, cancel at end of term), the
// plan change as a subscription update, a gift for a plan — and the 2.0 endpoints refused.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Chargebee from "chargebee";
import { CARD, assertIncompatible, authorizeInBrowser, refusal, sdkClient, startSandbox } from "./sandbox.mjs";

let sandbox;
let chargebee;

before(async () => {
  sandbox = await startSandbox({ catalog: "v1" });
  chargebee = sdkClient(Chargebee, sandbox);
});

after(async () => {
  await sandbox?.stop();
});

test("the site says it runs product catalog 1.0", async () => {
  const { configurations } = await chargebee.configuration.list();
  assert.equal(configurations[0].product_catalog_version, "v1");
});

test("plans and addons list with their documented filters", async () => {
  const gifts = await chargebee.plan.list({ giftable: { is: true }, limit: 100 });
  assert.deepEqual(
    gifts.list.map((e) => [e.plan.id, e.plan.is_shippable]),
    [
      ["gift-growth-3m-USD", false],
      ["gift-growth-12m-USD", false],
      ["gift-growth-box-6m-USD", true],
    ],
  );
  const cheap = await chargebee.plan.list({ price: { lte: 0 }, period_unit: { is: "month" } });
  assert.deepEqual(cheap.list.map((e) => e.plan.id), ["credits-starter-USD-monthly"]);
  const packs = await chargebee.addon.list({ charge_type: { is: "non_recurring" }, id: { starts_with: "credit-pack" } });
  assert.equal(packs.list.length, 3);
  assert.equal(packs.list[1].addon.meta_data.credits, 500);
  const plan = await chargebee.plan.retrieve("growth-plus-USD-monthly");
  assert.equal(plan.plan.price, 7_900);
  const unknown = await refusal(chargebee.plan.list({ item_family_id: { is: "credits" } }));
  assert.equal(unknown?.param, "item_family_id[is]");
});

test("the seed's credit-pack calls", async () => {
  const created = await chargebee.subscription.create({
    plan_id: "credits-starter-USD-monthly",
    addons: [{ id: "credit-pack-500-USD", quantity: 2 }],
    customer: { id: "v1_buyer", email: "buyer@v1.test" },
    card: CARD,
  });
  const sub = created.subscription;
  assert.deepEqual(
    created.invoice.line_items.map((l) => [l.entity_type, l.entity_id]),
    [
      ["plan", "credits-starter-USD-monthly"],
      ["addon", "credit-pack-500-USD"],
    ],
  );
  const now = await chargebee.invoice.chargeAddon({ subscription_id: sub.id, addon_id: "credit-pack-100-USD", addon_quantity: 3 });
  assert.equal(now.invoice.total, 3_000);
  const later = await chargebee.subscription.chargeAddonAtTermEnd(sub.id, { addon_id: "credit-pack-100-USD", addon_quantity: 1 });
  assert.equal(later.estimate.subscription_estimate.next_billing_at, sub.current_term_end);
  const stopping = await chargebee.subscription.cancel(sub.id, { end_of_term: true });
  assert.equal(stopping.subscription.status, "non_renewing");
  assert.equal((await chargebee.subscription.removeScheduledCancellation(sub.id)).subscription.status, "active");

  const second = await chargebee.subscription.createForCustomer("v1_buyer", { plan_id: "credits-pro-USD-monthly" });
  assert.equal(second.subscription.customer_id, "v1_buyer", "paid with the card on file");
});

test("a plan change is a subscription update with plan_id", async () => {
  const declined = await refusal(
    chargebee.subscription.update("demo_acme_sub", { plan_id: "growth-plus-USD-monthly", card: { ...CARD, number: "4000000000000002" } }),
  );
  assert.equal(declined?.http_status_code, 402);
  const changed = await chargebee.subscription.update("demo_acme_sub", {
    plan_id: "growth-plus-USD-monthly",
    invoice_immediately: true,
    card: CARD,
  });
  assert.equal(changed.subscription.subscription_items[0].item_price_id, "growth-plus-USD-monthly");
  assert.equal(changed.invoice.total, 7_900);
});

test("a gift paid with a payment intent the browser authorized", async () => {
  await chargebee.customer.create({ id: "v1_intent_gifter", email: "intent@v1.test" });
  await chargebee.customer.create({ id: "v1_intent_friend", first_name: "Ivy", last_name: "Friend", email: "ivy@v1.test" });
  const plan = (await chargebee.plan.retrieve("gift-growth-3m-USD")).plan;
  const { payment_intent: intent } = await chargebee.paymentIntent.create({ amount: plan.price, currency_code: "USD" });
  assert.equal((await authorizeInBrowser(sandbox, intent.id)).status, 200);
  const bought = await chargebee.gift.create({
    gifter: { customer_id: "v1_intent_gifter", signature: "Ivo" },
    gift_receiver: { customer_id: "v1_intent_friend", first_name: "Ivy", last_name: "Friend", email: "ivy@v1.test" },
    subscription: { plan_id: "gift-growth-3m-USD" },
    payment_intent: { id: intent.id },
  });
  assert.equal(bought.gift.status, "unclaimed");
  assert.equal((await chargebee.paymentIntent.retrieve(intent.id)).payment_intent.status, "consumed");
});

test("a gift for a plan", async () => {
  await chargebee.customer.create({ id: "v1_gifter", email: "gifter@v1.test" });
  await chargebee.customer.create({ id: "v1_friend", first_name: "Fay", last_name: "Friend", email: "fay@v1.test" });
  const gift = {
    gifter: { customer_id: "v1_gifter", signature: "Gus" },
    gift_receiver: { customer_id: "v1_friend", first_name: "Fay", last_name: "Friend", email: "fay@v1.test" },
    card: CARD,
  };
  const wrong = await refusal(chargebee.gift.create({ ...gift, subscription: { plan_id: "no-such-plan" } }));
  assert.equal(wrong?.param, "subscription[plan_id]");
  const bought = await chargebee.gift.create({ ...gift, subscription: { plan_id: "gift-growth-3m-USD" } });
  assert.equal(bought.gift.status, "unclaimed");
  assert.equal(bought.subscription.subscription_items[0].item_price_id, "gift-growth-3m-USD");
  assert.equal((await chargebee.gift.claim(bought.gift.id)).gift.status, "claimed");
});

test("the 2.0 endpoints answer configuration_incompatible", async () => {
  await assertIncompatible(assert, chargebee.itemPrice.list(), "itemPrice.list");
  await assertIncompatible(assert, chargebee.item.list({ is_giftable: { is: true } }), "item.list");
  await assertIncompatible(
    assert,
    chargebee.subscription.createWithItems("demo_acme", { subscription_items: [{ item_price_id: "growth-USD-monthly" }] }),
    "subscription.createWithItems",
  );
  await assertIncompatible(
    assert,
    chargebee.gift.createForItems({ subscription_items: [{ item_price_id: "gift-growth-3m-USD" }] }),
    "gift.createForItems",
  );
  await assertIncompatible(assert, chargebee.subscription.cancelForItems("demo_acme_sub", {}), "cancelForItems");
});

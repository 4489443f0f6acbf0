// A product catalog 2.0 site (the default) through the official Node SDK: every billing call Growthkit's
// Billing port makes on 2.0 — customers, a card as payment source, a subscription with a plan and a credit
// pack as charge item, a charge invoiced now, one kept for the renewal, cancellation and plan change, and
// the gift lifecycle — and the 1.0 endpoints refused.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Chargebee from "chargebee";
import { CARD, assertIncompatible, authorizeInBrowser, refusal, sdkClient, startSandbox } from "./sandbox.mjs";

let sandbox;
let chargebee;

before(async () => {
  sandbox = await startSandbox({ catalog: "v2" });
  chargebee = sdkClient(Chargebee, sandbox);
});

after(async () => {
  await sandbox?.stop();
});

test("the credit-pack journey with charge items", async () => {
  const { customer } = await chargebee.customer.create({ id: "v2_buyer", email: "buyer@v2.test" });
  const declined = await refusal(
    chargebee.paymentSource.createCard({ customer_id: customer.id, card: { ...CARD, number: "4000000000000002" } }),
  );
  assert.equal(declined?.http_status_code, 402, "a declined card is not kept");
  const { payment_source: source } = await chargebee.paymentSource.createCard({ customer_id: customer.id, card: CARD });
  assert.equal(source.card.last4, "1111");

  const pack = (await chargebee.itemPrice.retrieve("credit-pack-500-USD")).item_price;
  assert.equal(pack.item_type, "charge");
  const created = await chargebee.subscription.createWithItems(customer.id, {
    subscription_items: [
      { item_price_id: "credits-starter-USD-monthly" },
      { item_price_id: "credit-pack-500-USD", quantity: 2 },
    ],
  });
  const sub = created.subscription;
  assert.equal(sub.status, "active");
  assert.deepEqual(
    created.invoice.line_items.map((l) => [l.entity_type, l.entity_id, l.quantity]),
    [
      ["plan_item_price", "credits-starter-USD-monthly", 1],
      ["charge_item_price", "credit-pack-500-USD", 2],
    ],
  );

  const now = await chargebee.invoice.createForChargeItemsAndCharges({
    customer_id: customer.id,
    subscription_id: sub.id,
    item_prices: [{ item_price_id: "credit-pack-100-USD", quantity: 3 }],
  });
  assert.equal(now.invoice.status, "paid");
  assert.equal(now.invoice.total, 3_000);
  const zero = await refusal(
    chargebee.invoice.createForChargeItemsAndCharges({
      subscription_id: sub.id,
      item_prices: [{ item_price_id: "credit-pack-100-USD", quantity: 0 }],
    }),
  );
  assert.equal(zero?.param, "item_prices[quantity][0]");

  const kept = await chargebee.unbilledCharge.createUnbilledCharge({
    subscription_id: sub.id,
    item_prices: [{ item_price_id: "credit-pack-100-USD", quantity: 1 }],
  });
  assert.deepEqual(kept.unbilled_charges.map((u) => [u.entity_id, u.quantity]), [["credit-pack-100-USD", 1]]);

  const stopping = await chargebee.subscription.cancelForItems(sub.id, { end_of_term: true });
  assert.equal(stopping.subscription.status, "non_renewing");
  const renewing = await chargebee.subscription.removeScheduledCancellation(sub.id);
  assert.equal(renewing.subscription.status, "active");

  const changed = await chargebee.subscription.updateForItems(sub.id, {
    subscription_items: [{ item_price_id: "credits-pro-USD-monthly" }],
    replace_items_list: true,
    invoice_immediately: true,
    card: CARD,
  });
  assert.equal(changed.subscription.subscription_items[0].item_price_id, "credits-pro-USD-monthly");
});

test("a payment intent authorized in the browser pays a subscription for items, once", async () => {
  await chargebee.customer.create({ id: "v2_intent", email: "intent@v2.test" });
  const { payment_intent: intent } = await chargebee.paymentIntent.create({ amount: 8_000, currency_code: "USD" });
  assert.equal(intent.status, "inited");
  assert.ok(intent.expires_at > intent.created_at);

  const declined = await authorizeInBrowser(sandbox, intent.id, { ...CARD, number: "4000000000000002" });
  assert.equal(declined.status, 402);
  const refused = (await chargebee.paymentIntent.retrieve(intent.id)).payment_intent;
  assert.deepEqual([refused.status, refused.active_payment_attempt.status], ["inited", "refused"]);
  assert.equal(refused.active_payment_attempt.error_code, "card_declined");

  const approved = await authorizeInBrowser(sandbox, intent.id);
  assert.equal(approved.status, 200);
  assert.equal(approved.body.payment_intent.status, "authorized");
  const items = {
    subscription_items: [
      { item_price_id: "credits-starter-USD-monthly" },
      { item_price_id: "credit-pack-500-USD", quantity: 2 },
    ],
  };
  const short = await refusal(
    chargebee.subscription.createWithItems("v2_intent", {
      subscription_items: [{ item_price_id: "credits-starter-USD-monthly" }],
      payment_intent: { id: intent.id },
    }),
  );
  assert.equal(short?.param, "payment_intent[id]", "an intent pays exactly its amount");
  const created = await chargebee.subscription.createWithItems("v2_intent", { ...items, payment_intent: { id: intent.id } });
  assert.equal(created.invoice.status, "paid");
  assert.ok(created.customer.primary_payment_source_id, "the intent's card stays on file");
  assert.equal((await chargebee.paymentIntent.retrieve(intent.id)).payment_intent.status, "consumed");
  const again = await refusal(
    chargebee.subscription.createWithItems("v2_intent", { ...items, payment_intent: { id: intent.id } }),
  );
  assert.equal(again?.param, "payment_intent[id]", "a consumed intent pays nothing more");
});

test("a gift bought for items", async () => {
  await chargebee.customer.create({ id: "v2_gifter", email: "gifter@v2.test" });
  await chargebee.customer.create({ id: "v2_friend", first_name: "Fay", last_name: "Friend", email: "fay@v2.test" });
  const bought = await chargebee.gift.createForItems({
    gifter: { customer_id: "v2_gifter", signature: "Gus" },
    gift_receiver: { customer_id: "v2_friend", first_name: "Fay", last_name: "Friend", email: "fay@v2.test" },
    subscription_items: [{ item_price_id: "gift-growth-3m-USD" }],
    card: CARD,
  });
  assert.equal(bought.gift.status, "unclaimed");
  assert.equal((await chargebee.gift.claim(bought.gift.id)).gift.status, "claimed");
});

test("the 1.0 endpoints answer configuration_incompatible", async () => {
  await assertIncompatible(assert, chargebee.plan.list(), "plan.list");
  await assertIncompatible(assert, chargebee.addon.retrieve("credit-pack-500-USD"), "addon.retrieve");
  await assertIncompatible(
    assert,
    chargebee.subscription.create({ plan_id: "growth-USD-monthly", customer: { id: "x" }, card: CARD }),
    "subscription.create",
  );
  await assertIncompatible(
    assert,
    chargebee.invoice.chargeAddon({ subscription_id: "demo_acme_sub", addon_id: "credit-pack-500-USD" }),
    "invoice.chargeAddon",
  );
  await assertIncompatible(assert, chargebee.subscription.cancel("demo_acme_sub", {}), "subscription.cancel");
});

// The standalone engine as a new user meets it: Chargebee's official Node SDK, configured only with
// the options its README documents, pointed at a sandbox on loopback.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Chargebee from "chargebee";
import { API_KEY, startSandbox } from "./sandbox.mjs";

// The demo data every fresh sandbox starts with (see the README's engine section).
const CUSTOMER = "demo_acme";
const SUBSCRIPTION = "demo_acme_sub";
const OFFER = "offer_advanced_analytics";

let sandbox;
let chargebee;

function client(apiKey) {
  return new Chargebee({ site: "sandbox", apiKey, protocol: "http", hostSuffix: ".localhost", port: sandbox.port });
}

before(async () => {
  sandbox = await startSandbox();
  chargebee = client(API_KEY);
});

after(async () => {
  await sandbox?.stop();
});

test("an offer is decided, viewed, accepted and its fulfillment completed", async () => {
  const decided = await chargebee.personalizedOffer.personalizedOffers({
    customer_id: CUSTOMER,
    subscription_id: SUBSCRIPTION,
    custom: { has_advanced_analytics: false },
    request_context: { url: "https://app.example/analytics", locale: "en-US" },
  });
  assert.equal(decided.personalized_offers.length, 1);
  const offer = decided.personalized_offers[0];
  assert.equal(offer.offer_id, OFFER);
  assert.match(offer.id, new RegExp(`^${OFFER}_[0-9a-f]{8}$`));
  assert.ok(decided.expires_at > Date.now() / 1000, "expires_at is a future Unix time");
  const option = offer.options[0];
  assert.equal(option.processing_type, "url_redirect");

  const viewed = await chargebee.offerEvent.offerEvents({ personalized_offer_id: offer.id, type: "viewed" });
  assert.equal(viewed.httpStatusCode, 204);

  const created = await chargebee.offerFulfillment.offerFulfillments({
    personalized_offer_id: offer.id,
    option_id: option.id,
  });
  const fulfillment = created.offer_fulfillment;
  assert.equal(fulfillment.status, "in_progress");
  assert.equal(fulfillment.personalized_offer_id, offer.id);

  const again = await chargebee.offerFulfillment
    .offerFulfillments({ personalized_offer_id: offer.id, option_id: option.id })
    .then(() => null, (err) => err);
  assert.ok(again, "a second fulfillment for the same personalized offer is refused");
  assert.equal(again.http_status_code, 400);

  const completed = await chargebee.offerFulfillment.offerFulfillmentsUpdate(fulfillment.id, {
    id: fulfillment.id,
    status: "completed",
  });
  assert.equal(completed.offer_fulfillment.status, "completed");

  const fetched = await chargebee.offerFulfillment.offerFulfillmentsGet(fulfillment.id);
  assert.equal(fetched.offer_fulfillment.status, "completed");
  assert.equal(fetched.offer_fulfillment.id, fulfillment.id);
});

test("a subscription is retrieved with its customer", async () => {
  const { subscription, customer } = await chargebee.subscription.retrieve(SUBSCRIPTION);
  assert.equal(subscription.id, SUBSCRIPTION);
  assert.equal(subscription.customer_id, CUSTOMER);
  assert.equal(subscription.status, "active");
  assert.ok(subscription.subscription_items.length >= 1);
  if (customer) assert.equal(customer.id, CUSTOMER);
});

test("gifts are listed in Chargebee's list envelope", async () => {
  const page = await chargebee.gift.list({ limit: 5 });
  assert.ok(Array.isArray(page.list));
  for (const entry of page.list) {
    assert.ok(entry.gift.id);
    assert.ok(entry.subscription.id);
  }
});

test("refusals arrive as the SDK's errors with Chargebee's codes", async () => {
  const missing = await chargebee.subscription.retrieve("no_such_subscription").then(() => null, (err) => err);
  assert.ok(missing, "an unknown subscription is refused");
  assert.equal(missing.http_status_code, 404);
  assert.equal(missing.api_error_code, "resource_not_found");

  const denied = await client("wrong_key").subscription.retrieve(SUBSCRIPTION).then(() => null, (err) => err);
  assert.ok(denied, "a wrong API key is refused");
  assert.equal(denied.http_status_code, 401);
  assert.equal(denied.api_error_code, "api_authentication_failed");
});

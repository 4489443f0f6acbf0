"""The standalone engine driven by Chargebee's official Python SDK: the Growth offer journey, list filters
as this SDK encodes them, pagination, site resources and refusals. The billing calls of each product
catalog version are in test_catalogs.py."""

import time
import unittest

import chargebee

from sandbox import SandboxTest

CUSTOMER = "demo_acme"
SUBSCRIPTION = "demo_acme_sub"
OFFER = "offer_advanced_analytics"


class EngineThroughPythonSdk(SandboxTest):
    def test_offer_journey(self):
        decided = self.cb.PersonalizedOffer.personalized_offers(
            {
                "customer_id": CUSTOMER,
                "subscription_id": SUBSCRIPTION,
                "custom": {"has_advanced_analytics": False},
                "request_context": {"url": "https://app.example/analytics", "locale": "en-US"},
            }
        )
        self.assertEqual(len(decided.personalized_offers), 1)
        offer = decided.personalized_offers[0]
        self.assertEqual(offer.offer_id, OFFER)
        self.assertGreater(decided.expires_at, time.time())
        option = offer.options[0]

        created = self.cb.OfferFulfillment.offer_fulfillments(
            {"personalized_offer_id": offer.id, "option_id": option.id}
        )
        fulfillment = created.offer_fulfillment
        self.assertEqual(fulfillment.status, "in_progress")
        self.refused(
            lambda: self.cb.OfferFulfillment.offer_fulfillments(
                {"personalized_offer_id": offer.id, "option_id": option.id}
            )
        )
        failed = self.cb.OfferFulfillment.offer_fulfillments_update(
            fulfillment.id, {"id": fulfillment.id, "status": "failed", "failure_reason": "card declined"}
        )
        self.assertEqual(failed.offer_fulfillment.status, "failed")
        fetched = self.cb.OfferFulfillment.offer_fulfillments_get(fulfillment.id)
        self.assertEqual(fetched.offer_fulfillment.status, "failed")

        # Chargebee answers offer events with 204 No Content, as the engine does. This SDK version reads every
        # answer as JSON, so it raises on the empty body; the event is recorded all the same, which the
        # dismissal's cooldown shows: the same request is offered nothing afterwards.
        with self.assertRaises(Exception) as caught:
            self.cb.OfferEvent.offer_events({"personalized_offer_id": offer.id, "type": "dismissed"})
        self.assertNotIsInstance(caught.exception, chargebee.APIError, "the engine did not refuse the event")
        again = self.cb.PersonalizedOffer.personalized_offers(
            {"customer_id": CUSTOMER, "subscription_id": SUBSCRIPTION, "custom": {"has_advanced_analytics": False}}
        )
        self.assertEqual(again.personalized_offers, [])

    def test_list_filters_as_this_sdk_encodes_them(self):
        for n in range(1, 4):
            self.cb.Customer.create({"id": f"pylist_{n}", "email": f"py{n}@sdk.test"})
        listed = self.cb.Customer.list({"id": {"in": ["pylist_1", "pylist_3", "nobody"]}})
        self.assertEqual(sorted(e.customer.id for e in listed.list), ["pylist_1", "pylist_3"])
        excluded = self.cb.Customer.list({"id": {"starts_with": "pylist_", "not_in": ["pylist_2"]}})
        self.assertEqual(sorted(e.customer.id for e in excluded.list), ["pylist_1", "pylist_3"])

        statuses = self.cb.Subscription.list({"status": {"in": ["active", "in_trial"]}, "limit": 100})
        self.assertTrue(all(e.subscription.status in ("active", "in_trial") for e in statuses.list))

        giftable = self.cb.Item.list({"is_giftable": {"is": True}, "type": {"is": "plan"}})
        self.assertGreaterEqual(len(giftable.list), 3)
        self.assertTrue(all(e.item.is_giftable for e in giftable.list))

        first = self.cb.Customer.list({"id": {"starts_with": "pylist_"}, "limit": 2})
        self.assertEqual(len(first.list), 2)
        self.assertIsNotNone(first.next_offset)
        rest = self.cb.Customer.list({"id": {"starts_with": "pylist_"}, "limit": 2, "offset": first.next_offset})
        self.assertEqual(len(rest.list), 1)
        self.assertIsNone(rest.next_offset)
        seen = [e.customer.id for e in first.list + rest.list]
        self.assertEqual(sorted(seen), ["pylist_1", "pylist_2", "pylist_3"])

    def test_unsupported_filters_are_refused(self):
        self.refused(lambda: self.cb.Subscription.list({"channel": {"is": "web"}}), code="param_wrong_value", param="channel[is]")
        self.refused(lambda: self.cb.Gift.list({"colour": {"is": "red"}}), param="colour[is]")
        self.refused(lambda: self.cb.Item.list({"limit": 0}), param="limit")

    def test_site_resources(self):
        configurations = self.cb.Configuration.list().configurations
        self.assertEqual(configurations[0].product_catalog_version, "v2")

        endpoint = self.cb.WebhookEndpoint.create({"name": "Python app", "url": "http://127.0.0.1:9/hook"}).webhook_endpoint
        self.assertEqual(endpoint.api_version, "v2")
        updated = self.cb.WebhookEndpoint.update(endpoint.id, {"disabled": True}).webhook_endpoint
        self.assertTrue(updated.disabled)
        self.assertIn(endpoint.id, [e.webhook_endpoint.id for e in self.cb.WebhookEndpoint.list().list])
        self.cb.WebhookEndpoint.delete(endpoint.id)
        self.refused(lambda: self.cb.WebhookEndpoint.retrieve(endpoint.id), status=404)

        machine = self.cb.TimeMachine.retrieve("delorean").time_machine
        moved = self.cb.TimeMachine.travel_forward("delorean", {"destination_time": machine.destination_time + 3600})
        self.assertGreaterEqual(moved.time_machine.destination_time, machine.destination_time + 3600)

    def test_a_wrong_key_is_refused(self):
        other = self.sandbox.client(api_key="wrong_key")
        self.refused(lambda: other.Subscription.retrieve(SUBSCRIPTION), status=401, code="api_authentication_failed")


if __name__ == "__main__":
    unittest.main()

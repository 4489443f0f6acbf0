"""The standalone engine driven by Chargebee's official Python SDK: the Growth offer journey, the billing
calls the app makes, list filters as this SDK encodes them, pagination and refusals."""

import time
import unittest

import chargebee

from sandbox import Sandbox

CUSTOMER = "demo_acme"
SUBSCRIPTION = "demo_acme_sub"
OFFER = "offer_advanced_analytics"
CARD = {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2099, "cvv": "123"}


class EngineThroughPythonSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox()
        cls.cb = cls.sandbox.client()

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()

    def refused(self, call, status=400, code=None, param=None):
        with self.assertRaises(chargebee.APIError) as caught:
            call()
        err = caught.exception
        self.assertEqual(err.http_status_code, status)
        if code:
            self.assertEqual(err.api_error_code, code)
        if param:
            self.assertEqual(err.param, param)
        return err

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

    def test_billing_calls_the_app_makes(self):
        made = self.cb.Customer.create({"first_name": "Py", "last_name": "Thon", "email": "py@sdk.test"})
        customer_id = made.customer.id
        self.assertTrue(customer_id, "the engine chose an id")
        self.assertEqual(self.cb.Customer.retrieve(customer_id).customer.email, "py@sdk.test")

        sub = self.cb.Subscription.create_for_customer(
            customer_id,
            {"plan_id": "credits-starter-USD-monthly", "addons": [{"id": "credit-pack-500-USD", "quantity": 1}], "card": CARD},
        ).subscription
        self.assertEqual(sub.status, "active")

        invoiced = self.cb.Invoice.charge_addon(
            {"subscription_id": sub.id, "addon_id": "credit-pack-100-USD", "addon_quantity": 2}
        )
        self.assertEqual(invoiced.invoice.status, "paid")
        self.cb.Subscription.charge_addon_at_term_end(sub.id, {"addon_id": "credit-pack-100-USD", "addon_quantity": 1})
        unbilled = self.cb.UnbilledCharge.list({"subscription_id": {"is": sub.id}})
        self.assertEqual([u.unbilled_charge.quantity for u in unbilled.list], [1])

        invoices = self.cb.Invoice.list({"subscription_id": {"is": sub.id}, "sort_by[desc]": "date", "limit": 10})
        self.assertEqual(len(invoices.list), 2)
        self.assertTrue(all(i.invoice.subscription_id == sub.id for i in invoices.list))
        under = self.cb.Invoice.invoices_for_subscription(sub.id, {"limit": 10})
        self.assertEqual([i.invoice.id for i in under.list], [i.invoice.id for i in invoices.list])
        owned = self.cb.Subscription.subscriptions_for_customer(customer_id, {"limit": 10})
        self.assertEqual([e.subscription.id for e in owned.list], [sub.id])

        cancelled = self.cb.Subscription.cancel(sub.id, {"end_of_term": True})
        self.assertEqual(cancelled.subscription.status, "non_renewing")
        kept = self.cb.Subscription.remove_scheduled_cancellation(sub.id)
        self.assertEqual(kept.subscription.status, "active")

    def test_plan_change_and_subscription_with_a_new_customer(self):
        created = self.cb.Subscription.create(
            {"plan_id": "credits-starter-USD-monthly", "customer": {"id": "py_new", "email": "new@sdk.test"}, "card": CARD}
        )
        self.assertEqual(created.customer.id, "py_new")
        self.assertEqual(created.subscription.customer_id, "py_new")
        changed = self.cb.Subscription.update_for_items(
            created.subscription.id,
            {"subscription_items": [{"item_price_id": "credits-pro-USD-monthly"}], "card": CARD},
        )
        plan = changed.subscription.subscription_items[0]
        self.assertEqual(plan.item_price_id, "credits-pro-USD-monthly")
        self.assertEqual(changed.customer.id, "py_new")

    def test_gift_lifecycle(self):
        # The gifter pays with the card kept on file from an earlier purchase.
        self.cb.Subscription.create(
            {"plan_id": "credits-starter-USD-monthly", "customer": {"id": "py_gifter", "email": "gifter@sdk.test"}, "card": CARD}
        )
        self.cb.Customer.create({"id": "py_friend", "first_name": "Fay", "last_name": "Friend", "email": "fay@sdk.test"})
        receiver = {"customer_id": "py_friend", "first_name": "Fay", "last_name": "Friend", "email": "fay@sdk.test"}
        later = self.cb.TimeMachine.retrieve("delorean").time_machine.destination_time + 86_400
        scheduled = self.cb.Gift.create_for_items(
            {
                "gifter": {"customer_id": "py_gifter", "signature": "Py"},
                "gift_receiver": receiver,
                "subscription_items": [{"item_price_id": "gift-growth-3m-USD"}],
                "scheduled_at": later,
            }
        )
        gift = scheduled.gift
        self.assertEqual(gift.status, "scheduled")
        self.assertEqual(self.cb.Gift.retrieve(gift.id).subscription.id, scheduled.subscription.id)
        moved = self.cb.Gift.update_gift(gift.id, {"scheduled_at": later + 3600})
        self.assertEqual(moved.gift.scheduled_at, later + 3600)
        mine = self.cb.Gift.list({"gifter[customer_id]": {"is": "py_gifter"}})
        self.assertEqual([e.gift.id for e in mine.list], [gift.id])
        self.assertEqual(self.cb.Gift.cancel(gift.id).gift.status, "cancelled")

        now = self.cb.Gift.create_for_items(
            {
                "gifter": {"customer_id": "py_gifter", "signature": "Py", "note": "Enjoy"},
                "gift_receiver": receiver,
                "subscription_items": [{"item_price_id": "gift-growth-3m-USD"}],
                "auto_claim": False,
            }
        )
        self.assertEqual(now.gift.status, "unclaimed")
        claimed = self.cb.Gift.claim(now.gift.id)
        self.assertEqual(claimed.gift.status, "claimed")
        self.refused(lambda: self.cb.Gift.claim(now.gift.id))

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

"""The billing calls Growthkit's Billing port makes, through Chargebee's official Python SDK, on a site of
each product catalog version: 1.0 with plans and addons (the seed's calls for credit packs), 2.0 with items,
charge items and payment sources. Each site refuses the other version's endpoints."""

import unittest

from sandbox import SandboxTest

CARD = {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2099, "cvv": "123"}
DECLINED = dict(CARD, number="4000000000000002")


class SiteTest(SandboxTest):
    def incompatible(self, call):
        self.refused(call, code="configuration_incompatible")

    def gift_parties(self, prefix):
        self.cb.Customer.create({"id": f"{prefix}_gifter", "email": "gifter@sdk.test"})
        self.cb.Customer.create({"id": f"{prefix}_friend", "first_name": "Fay", "last_name": "Friend", "email": "fay@sdk.test"})
        return {
            "gifter": {"customer_id": f"{prefix}_gifter", "signature": "Py"},
            "gift_receiver": {"customer_id": f"{prefix}_friend", "first_name": "Fay", "last_name": "Friend", "email": "fay@sdk.test"},
            "card": CARD,
        }


class CatalogV1(SiteTest):
    catalog = "v1"

    def test_configuration_and_catalog(self):
        self.assertEqual(self.cb.Configuration.list().configurations[0].product_catalog_version, "v1")
        gifts = self.cb.Plan.list({"giftable": {"is": True}, "limit": 100})
        self.assertEqual(len(gifts.list), 3)
        self.assertTrue(all(e.plan.giftable for e in gifts.list))
        packs = self.cb.Addon.list({"charge_type": {"is": "non_recurring"}})
        self.assertEqual([e.addon.meta_data["credits"] for e in packs.list], [100, 500, 2000])
        self.assertEqual(self.cb.Plan.retrieve("growth-USD-monthly").plan.price, 4900)

    def test_credit_pack_calls(self):
        created = self.cb.Subscription.create(
            {
                "plan_id": "credits-starter-USD-monthly",
                "addons": [{"id": "credit-pack-500-USD", "quantity": 1}],
                "customer": {"id": "py1_buyer", "email": "buyer@sdk.test"},
                "card": CARD,
            }
        )
        sub = created.subscription
        self.assertEqual([l.entity_type for l in created.invoice.line_items], ["plan", "addon"])
        invoiced = self.cb.Invoice.charge_addon({"subscription_id": sub.id, "addon_id": "credit-pack-100-USD", "addon_quantity": 2})
        self.assertEqual(invoiced.invoice.total, 2000)
        later = self.cb.Subscription.charge_addon_at_term_end(sub.id, {"addon_id": "credit-pack-100-USD", "addon_quantity": 1})
        self.assertEqual(later.estimate.subscription_estimate.next_billing_at, sub.current_term_end)
        self.assertEqual(self.cb.Subscription.cancel(sub.id, {"end_of_term": True}).subscription.status, "non_renewing")
        self.assertEqual(self.cb.Subscription.remove_scheduled_cancellation(sub.id).subscription.status, "active")
        more = self.cb.Subscription.create_for_customer("py1_buyer", {"plan_id": "credits-pro-USD-monthly"})
        self.assertEqual(more.subscription.customer_id, "py1_buyer")

    def test_plan_change(self):
        self.refused(lambda: self.cb.Subscription.update("demo_acme_sub", {"plan_id": "growth-plus-USD-monthly", "card": DECLINED}), status=402)
        changed = self.cb.Subscription.update("demo_acme_sub", {"plan_id": "growth-plus-USD-monthly", "card": CARD})
        self.assertEqual(changed.subscription.subscription_items[0].item_price_id, "growth-plus-USD-monthly")

    def test_gift(self):
        gift = self.gift_parties("py1")
        bought = self.cb.Gift.create(dict(gift, subscription={"plan_id": "gift-growth-3m-USD"}))
        self.assertEqual(bought.gift.status, "unclaimed")
        self.assertEqual(self.cb.Gift.claim(bought.gift.id).gift.status, "claimed")

    def test_v2_endpoints_are_refused(self):
        self.incompatible(lambda: self.cb.ItemPrice.list())
        self.incompatible(lambda: self.cb.Item.retrieve("growth"))
        self.incompatible(lambda: self.cb.Subscription.create_with_items("demo_acme", {"subscription_items": [{"item_price_id": "growth-USD-monthly"}]}))
        self.incompatible(lambda: self.cb.Invoice.create_for_charge_items_and_charges({"subscription_id": "demo_acme_sub"}))
        self.incompatible(lambda: self.cb.UnbilledCharge.create_unbilled_charge({"subscription_id": "demo_acme_sub"}))


class CatalogV2(SiteTest):
    catalog = "v2"

    def test_payment_intent_pays_a_plan_change(self):
        intent = self.cb.PaymentIntent.create({"amount": 7900, "currency_code": "USD"}).payment_intent
        self.assertEqual(intent.status, "inited")
        status, answer = self.sandbox.authorize_in_browser(intent.id, DECLINED)
        self.assertEqual((status, answer["api_error_code"]), (402, "payment_processing_failed"))
        attempt = self.cb.PaymentIntent.retrieve(intent.id).payment_intent.active_payment_attempt
        self.assertEqual((attempt.status, attempt.error_code), ("refused", "card_declined"))
        self.refused(
            lambda: self.cb.Subscription.update_for_items(
                "demo_acme_sub",
                {"subscription_items": [{"item_price_id": "growth-plus-USD-monthly"}], "payment_intent": {"id": intent.id}},
            ),
            status=402,
        )
        status, answer = self.sandbox.authorize_in_browser(intent.id, CARD)
        self.assertEqual((status, answer["payment_intent"]["status"]), (200, "authorized"))
        changed = self.cb.Subscription.update_for_items(
            "demo_acme_sub",
            {"subscription_items": [{"item_price_id": "growth-plus-USD-monthly"}], "payment_intent": {"id": intent.id}},
        )
        self.assertEqual(changed.invoice.total, 7900)
        self.assertEqual(self.cb.PaymentIntent.retrieve(intent.id).payment_intent.status, "consumed")
        self.refused(lambda: self.cb.PaymentIntent.retrieve("pi_missing"), status=404)

    def test_credit_pack_calls(self):
        customer = self.cb.Customer.create({"first_name": "Py", "last_name": "Thon", "email": "py@sdk.test"}).customer
        self.refused(lambda: self.cb.PaymentSource.create_card({"customer_id": customer.id, "card": DECLINED}), status=402)
        source = self.cb.PaymentSource.create_card({"customer_id": customer.id, "card": CARD}).payment_source
        self.assertEqual(source.card.last4, "4242")
        created = self.cb.Subscription.create_with_items(
            customer.id,
            {"subscription_items": [{"item_price_id": "credits-starter-USD-monthly"}, {"item_price_id": "credit-pack-500-USD", "quantity": 1}]},
        )
        sub = created.subscription
        self.assertEqual([l.entity_type for l in created.invoice.line_items], ["plan_item_price", "charge_item_price"])
        invoiced = self.cb.Invoice.create_for_charge_items_and_charges(
            {"subscription_id": sub.id, "item_prices": [{"item_price_id": "credit-pack-100-USD", "quantity": 2}]}
        )
        self.assertEqual(invoiced.invoice.total, 2000)
        kept = self.cb.UnbilledCharge.create_unbilled_charge(
            {"subscription_id": sub.id, "item_prices": [{"item_price_id": "credit-pack-100-USD", "quantity": 1}]}
        )
        self.assertEqual([u.entity_id for u in kept.unbilled_charges], ["credit-pack-100-USD"])
        self.assertEqual(len(self.cb.UnbilledCharge.list({"subscription_id": {"is": sub.id}}).list), 1)

        invoices = self.cb.Invoice.list({"subscription_id": {"is": sub.id}, "sort_by[desc]": "date", "limit": 10})
        self.assertEqual(len(invoices.list), 2)
        under = self.cb.Invoice.invoices_for_subscription(sub.id, {"limit": 10})
        self.assertEqual([i.invoice.id for i in under.list], [i.invoice.id for i in invoices.list])
        owned = self.cb.Subscription.subscriptions_for_customer(customer.id, {"limit": 10})
        self.assertEqual([e.subscription.id for e in owned.list], [sub.id])

        self.assertEqual(self.cb.Subscription.cancel_for_items(sub.id, {"end_of_term": True}).subscription.status, "non_renewing")
        self.assertEqual(self.cb.Subscription.remove_scheduled_cancellation(sub.id).subscription.status, "active")
        changed = self.cb.Subscription.update_for_items(
            sub.id, {"subscription_items": [{"item_price_id": "credits-pro-USD-monthly"}], "card": CARD}
        )
        self.assertEqual(changed.subscription.subscription_items[0].item_price_id, "credits-pro-USD-monthly")
        self.assertEqual(changed.customer.id, customer.id)

    def test_gift_lifecycle(self):
        gift = self.gift_parties("py2")
        later = self.cb.TimeMachine.retrieve("delorean").time_machine.destination_time + 86_400
        items = [{"item_price_id": "gift-growth-3m-USD"}]
        scheduled = self.cb.Gift.create_for_items(dict(gift, subscription_items=items, scheduled_at=later))
        self.assertEqual(scheduled.gift.status, "scheduled")
        self.assertEqual(self.cb.Gift.retrieve(scheduled.gift.id).subscription.id, scheduled.subscription.id)
        moved = self.cb.Gift.update_gift(scheduled.gift.id, {"scheduled_at": later + 3600})
        self.assertEqual(moved.gift.scheduled_at, later + 3600)
        mine = self.cb.Gift.list({"gifter[customer_id]": {"is": "py2_gifter"}})
        self.assertEqual([e.gift.id for e in mine.list], [scheduled.gift.id])
        self.assertEqual(self.cb.Gift.cancel(scheduled.gift.id).gift.status, "cancelled")

        now = self.cb.Gift.create_for_items(dict(gift, subscription_items=items, auto_claim=False))
        self.assertEqual(now.gift.status, "unclaimed")
        self.assertEqual(self.cb.Gift.claim(now.gift.id).gift.status, "claimed")
        self.refused(lambda: self.cb.Gift.claim(now.gift.id))

    def test_v1_endpoints_are_refused(self):
        self.incompatible(lambda: self.cb.Plan.list())
        self.incompatible(lambda: self.cb.Addon.retrieve("credit-pack-500-USD"))
        self.incompatible(lambda: self.cb.Subscription.create({"plan_id": "growth-USD-monthly", "customer": {"id": "x"}}))
        self.incompatible(lambda: self.cb.Invoice.charge_addon({"subscription_id": "demo_acme_sub", "addon_id": "x"}))
        self.incompatible(lambda: self.cb.Gift.create({"subscription": {"plan_id": "gift-growth-3m-USD"}}))


if __name__ == "__main__":
    unittest.main()

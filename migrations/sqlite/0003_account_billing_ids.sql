-- Which billing customer and subscription an account is. Every user of the account acts for them.
ALTER TABLE accounts ADD COLUMN billing_customer_id TEXT;
ALTER TABLE accounts ADD COLUMN billing_subscription_id TEXT;

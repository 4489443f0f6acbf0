-- How each accepted option is fulfilled (its processing type), and for a checkout option the hosted page
-- the customer pays on, by which their return to the upgrade page is recognised.
ALTER TABLE offer_acceptances ADD COLUMN processing_type TEXT NOT NULL DEFAULT 'url_redirect';
ALTER TABLE offer_acceptances ADD COLUMN hosted_page_id TEXT;
CREATE UNIQUE INDEX offer_acceptances_hosted_page ON offer_acceptances (hosted_page_id) WHERE hosted_page_id IS NOT NULL;

-- Imports match each batch of rows to existing cards by e-mail and phone, one GIN probe per value
-- (modules/imports). With GIN's fast update on, new entries wait in a pending list that every
-- probe reads through until a vacuum merges it: after a few thousand imported cards each probe
-- cost ~1 ms instead of ~0.02 ms. These arrays hold one or two values a card, so entering them
-- into the index at once costs little.
ALTER INDEX "Contact_phones_idx" SET (fastupdate = off);
ALTER INDEX "Contact_emails_idx" SET (fastupdate = off);
ALTER INDEX "Company_phones_idx" SET (fastupdate = off);
ALTER INDEX "Company_emails_idx" SET (fastupdate = off);

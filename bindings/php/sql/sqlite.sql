-- Resale\Marketplace\PdoStore on SQLite (3.24 or later). One row per
-- account; one row per X-GitHub-Delivery, with its payload (folded again in
-- event order at each new delivery) and the answer a redelivery repeats.
CREATE TABLE IF NOT EXISTS resale_entitlements (
    account_id  INTEGER NOT NULL PRIMARY KEY,
    base        TEXT NULL,            -- a reconciled state the deliveries fold from, or NULL
    entitlement TEXT NULL,            -- the entitlement after every delivery (JSON)
    deliveries  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS resale_deliveries (
    delivery_id TEXT NOT NULL PRIMARY KEY,   -- X-GitHub-Delivery
    account_id  INTEGER NOT NULL,
    seq         INTEGER NOT NULL,            -- arrival order within the account
    payload     TEXT NULL,                   -- the raw body; NULL once folded into base
    answer      TEXT NOT NULL                -- the answer given, repeated to a redelivery
);
CREATE INDEX IF NOT EXISTS resale_deliveries_account ON resale_deliveries (account_id, seq);

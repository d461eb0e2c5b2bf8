-- Resale\Marketplace\PdoStore on PostgreSQL 10 or later.
CREATE TABLE IF NOT EXISTS resale_entitlements (
    account_id  BIGINT NOT NULL PRIMARY KEY,
    base        TEXT NULL,
    entitlement TEXT NULL,
    deliveries  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS resale_deliveries (
    delivery_id VARCHAR(128) NOT NULL PRIMARY KEY,
    account_id  BIGINT NOT NULL,
    seq         INTEGER NOT NULL,
    payload     TEXT NULL,
    answer      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resale_deliveries_account ON resale_deliveries (account_id, seq);

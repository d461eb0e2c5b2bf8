-- Resale\Marketplace\PdoStore on MySQL 8 / MariaDB 10.5 (InnoDB: row locks).
CREATE TABLE IF NOT EXISTS resale_entitlements (
    account_id  BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    base        LONGTEXT NULL,
    entitlement LONGTEXT NULL,
    deliveries  INT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS resale_deliveries (
    delivery_id VARCHAR(128) NOT NULL PRIMARY KEY,
    account_id  BIGINT UNSIGNED NOT NULL,
    seq         INT NOT NULL,
    payload     LONGTEXT NULL,
    answer      LONGTEXT NOT NULL,
    KEY resale_deliveries_account (account_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

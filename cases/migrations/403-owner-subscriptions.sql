-- Owners who asked to be told when remote monitoring finds a problem on their unit (cases/,
-- issue 23): by mail, and/or through the maker's app or SMS gateway (its case webhooks).
CREATE TABLE owner_subscriptions (
  serial     text PRIMARY KEY,
  email      text,
  phone      text,
  alerts     boolean NOT NULL,
  webhook    boolean NOT NULL,
  updated_at timestamptz NOT NULL
);

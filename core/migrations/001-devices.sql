-- Devices and their MQTT credentials (broker/), API tokens (core/auth.ts).
CREATE TABLE devices (
  id           text PRIMARY KEY,
  category     text NOT NULL,
  model        text NOT NULL,
  serial       text NOT NULL,
  secret_hash  text NOT NULL,          -- scrypt, see core/secrets.ts
  disabled     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  online       boolean NOT NULL DEFAULT false,
  UNIQUE (category, model, serial)
);

CREATE TABLE api_tokens (
  id          text PRIMARY KEY,
  token_hash  text NOT NULL UNIQUE,    -- sha256 of a 256-bit random token
  role        text NOT NULL CHECK (role IN ('owner', 'engineer', 'manufacturer', 'admin')),
  subject     text,                    -- owner id / manufacturer name the token is scoped to
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- User accounts, their sign-in sessions and owners' linked units (accounts/, issue 25).
-- Passwords: scrypt with a salt and the cost parameters in each hash (accounts/passwords.ts).
CREATE TABLE users (
  id                    text PRIMARY KEY,
  username              text NOT NULL,
  role                  text NOT NULL
    CHECK (role IN ('owner', 'engineer', 'manufacturer', 'admin', 'desk', 'regulator')),
  subject               text,            -- as an API token's: a maker's name, an owner id…
  display_name          text,
  password_hash         text NOT NULL,   -- scrypt$N$r$p$salt$hash
  must_change_password  boolean NOT NULL DEFAULT false,
  failed_attempts       integer NOT NULL DEFAULT 0,
  locked_until          timestamptz,
  disabled_at           timestamptz,
  password_changed_at   timestamptz NOT NULL DEFAULT now(),
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

-- A session is known by the SHA-256 of its cookie value only; it ends at expires_at, or once
-- unused for the idle timeout (checked against last_seen_at).
CREATE TABLE user_sessions (
  id_hash       text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES users (id),
  csrf_secret   text NOT NULL,           -- @fastify/csrf-protection's secret for this session
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  address       text
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

-- API tokens may belong to a user: disabling the user revokes them (accounts/store.ts).
ALTER TABLE api_tokens ADD COLUMN user_id text REFERENCES users (id);
CREATE INDEX api_tokens_user ON api_tokens (user_id) WHERE user_id IS NOT NULL;

-- Units an owner's account linked, each proved by its verification code.
CREATE TABLE owner_units (
  user_id    text NOT NULL REFERENCES users (id),
  serial     text NOT NULL,
  linked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, serial)
);

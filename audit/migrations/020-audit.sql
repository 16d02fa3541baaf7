-- The audit trail (audit/, issue 25): who did what, when, from where. Append-only: a trigger
-- refuses UPDATE, DELETE and TRUNCATE. Tamper evidence as for repair records (migration 302):
-- each entry's hash covers its content and the previous entry's hash, and the chain's head and
-- length are kept in audit_anchor, written in the same transaction as the entries.
CREATE TABLE audit_log (
  seq        bigint PRIMARY KEY,
  at         timestamptz NOT NULL,
  user_id    text,
  token_id   text,
  role       text,
  subject    text,
  method     text NOT NULL,
  route      text NOT NULL,           -- the route's pattern, e.g. /api/v1/alerts/:id/ack
  params     text NOT NULL,           -- canonical JSON of the path parameters
  resources  text[] NOT NULL,         -- kind:key of what it addressed, e.g. {alert:a1,device:d2}
  body       text,                    -- canonical JSON of the redacted request body ("after")
  before     text,                    -- canonical JSON of the prior state, where a reader exists
  status     integer NOT NULL,
  address    text,
  prev_hash  text NOT NULL,
  hash       text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_resources ON audit_log USING gin (resources);
CREATE INDEX audit_log_who ON audit_log (user_id, token_id);

CREATE TABLE audit_anchor (
  id     boolean PRIMARY KEY DEFAULT true CHECK (id),
  count  bigint NOT NULL,
  head   text NOT NULL
);
INSERT INTO audit_anchor (id, count, head)
  VALUES (true, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (%)', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

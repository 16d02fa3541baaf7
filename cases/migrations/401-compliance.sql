-- Compliance memory (cases/, issue 23): every violation found — by a case (推诿扯皮: a missed
-- deadline, a remedy below the one owed, a refusal without reasons, the same fault back) or by
-- the checks on a repair order (unauthorised outlet, uncertified technician, charges inside the
-- free period, non-genuine parts, 小病大治) — with its rule, clause and evidence, the parties it
-- counts against, and its rectification. `dedupe_key` makes recording idempotent: a finding is
-- counted once however often its cause is seen.
CREATE TABLE compliance_findings (
  id            text PRIMARY KEY,
  dedupe_key    text NOT NULL UNIQUE,
  source        text NOT NULL CHECK (source IN ('case', 'repair_order')),
  rule          text NOT NULL,
  severity      text NOT NULL CHECK (severity IN ('violation', 'warning')),
  clause        text NOT NULL,
  message       jsonb NOT NULL,              -- {zh, en}
  evidence      jsonb NOT NULL,
  case_id       text,
  serial        text,
  record_seq    integer,
  category      text,
  outlet_id     text,
  seller        text,
  manufacturer  text,
  detected_at   timestamptz NOT NULL,
  status        text NOT NULL CHECK (status IN ('open', 'rectified', 'dismissed')),
  confirmed_at  timestamptz,
  confirmed_by  text,
  rectification jsonb,                       -- {by, at, action, evidence?}
  dismissal     jsonb                        -- {by, at, reason}
);
CREATE INDEX compliance_findings_status ON compliance_findings (status, detected_at);
CREATE INDEX compliance_findings_outlet ON compliance_findings (outlet_id, detected_at);
CREATE INDEX compliance_findings_case ON compliance_findings (case_id);

-- 信息公开: violations a regulator confirmed and published, with a blacklist flag and reason.
CREATE TABLE violation_disclosures (
  id               text PRIMARY KEY,
  party_kind       text NOT NULL CHECK (party_kind IN ('outlet', 'seller', 'maker')),
  party_id         text NOT NULL,
  party_name       text NOT NULL,
  finding_ids      jsonb NOT NULL,
  summary          text NOT NULL,
  blacklisted      boolean NOT NULL,
  blacklist_reason text,
  published_at     timestamptz NOT NULL,
  published_by     text NOT NULL
);
CREATE INDEX violation_disclosures_party ON violation_disclosures (party_kind, party_id);

-- An outlet's authorization history: warranty_outlets keeps only the current row (a save
-- replaces it), so every insert and every change of the authorization is copied here by the
-- database itself, whoever writes the outlet.
CREATE TABLE outlet_authorization_history (
  outlet_id       text NOT NULL,
  seq             bigserial,
  manufacturer    text,
  name            text NOT NULL,
  authorized_from text NOT NULL,
  authorized_to   text,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (outlet_id, seq)
);

CREATE FUNCTION record_outlet_authorization() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT'
     OR NEW.authorized_from IS DISTINCT FROM OLD.authorized_from
     OR NEW.authorized_to IS DISTINCT FROM OLD.authorized_to
     OR NEW.manufacturer IS DISTINCT FROM OLD.manufacturer THEN
    INSERT INTO outlet_authorization_history
      (outlet_id, manufacturer, name, authorized_from, authorized_to)
      VALUES (NEW.id, NEW.manufacturer, NEW.name, NEW.authorized_from, NEW.authorized_to);
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER warranty_outlets_history
  AFTER INSERT OR UPDATE ON warranty_outlets
  FOR EACH ROW EXECUTE FUNCTION record_outlet_authorization();

-- Outlets saved before this migration start their history with their current row.
INSERT INTO outlet_authorization_history (outlet_id, manufacturer, name, authorized_from, authorized_to)
  SELECT id, manufacturer, name, authorized_from, authorized_to FROM warranty_outlets;

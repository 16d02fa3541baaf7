-- The diagnostics catalogue (diagnostics/catalog/, issue 19): documents that change what the
-- streaming engine runs without a rebuild (profiles, fault-code tables, calibrations, healthy
-- references, remaining-life models). Every upload is a new version of its key; versions are
-- never changed or deleted. The head says which version is in force (none = built-in); every
-- change of head is in the audit log with who, when and why.
CREATE TABLE diagnostics_catalog_versions (
  kind        text NOT NULL CHECK (kind IN ('profile', 'fault-codes', 'calibration', 'references', 'rul-model')),
  key         text NOT NULL,             -- category/model|*[/table|/mode]
  version     integer NOT NULL CHECK (version > 0),
  category    text NOT NULL,
  model       text,                      -- null: the whole category
  mode_id     text,
  body        jsonb NOT NULL,            -- the validated document
  summary     jsonb NOT NULL,            -- what it holds, in short (lists show this, not the body)
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL,
  note        text,
  PRIMARY KEY (kind, key, version)
);
CREATE INDEX diagnostics_catalog_versions_category ON diagnostics_catalog_versions (category, kind);

CREATE TABLE diagnostics_catalog_heads (
  kind    text NOT NULL,
  key     text NOT NULL,
  version integer,                       -- null: no document in force, the built-in behaviour
  PRIMARY KEY (kind, key)
);

CREATE TABLE diagnostics_catalog_audit (
  seq          bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  action       text NOT NULL CHECK (action IN ('upload', 'rollback', 'activate')),
  kind         text NOT NULL,
  key          text NOT NULL,
  from_version integer,
  to_version   integer,
  reason       text
);
CREATE INDEX diagnostics_catalog_audit_key ON diagnostics_catalog_audit (kind, key, seq);

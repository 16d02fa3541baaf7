-- After-sales cases (cases/, issue 23): consultations, 三包 claims and complaints, their timeline,
-- deadlines (kept in the case row as JSON, with the earliest pending one in `next_due_at` for the
-- sweeper), the owners' notifications (an outbox: written in the case's transaction, delivered
-- after it, retried, each attempt logged), satisfaction surveys, and the makers' published
-- service commitments (response times), versioned like their 三包 policies.
CREATE TABLE cases (
  id               text PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('consultation', 'claim', 'complaint')),
  status           text NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
  serial           text NOT NULL,
  category         text NOT NULL,
  model            text NOT NULL,
  manufacturer     text,
  seller           text,
  outlet_id        text,
  assignee         text,
  channel          text NOT NULL,
  opened_by        text NOT NULL,           -- 'owner' or the desk token's subject/id
  opened_at        timestamptz NOT NULL,
  body             jsonb NOT NULL,          -- the request: text, contact, fault, remedy asked for…
  decision         jsonb,                   -- a claim: the engine's decision at opening (evidence)
  deadlines        jsonb NOT NULL,
  escalation       text NOT NULL DEFAULT 'none' CHECK (escalation IN ('none', 'supervisor', 'maker')),
  answer           jsonb,
  resolution       jsonb,
  repeat_of        text,
  next_due_at      timestamptz,             -- earliest moment the sweeper has something to do
  closed_at        timestamptz,
  version          integer NOT NULL DEFAULT 1
);
CREATE INDEX cases_serial ON cases (serial, opened_at DESC);
CREATE INDEX cases_queue ON cases (status, opened_at DESC);
CREATE INDEX cases_due ON cases (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX cases_manufacturer ON cases (manufacturer, opened_at DESC);

CREATE TABLE case_events (
  case_id  text NOT NULL REFERENCES cases (id),
  seq      integer NOT NULL,
  at       timestamptz NOT NULL,
  actor    text NOT NULL,
  type     text NOT NULL,
  data     jsonb NOT NULL,
  PRIMARY KEY (case_id, seq)
);

-- The notification outbox. A row is written with the case change that caused it, so a change
-- is never lost to a mail server that is down and a mail never sent for a change rolled back.
CREATE TABLE case_notifications (
  id              text PRIMARY KEY,
  case_id         text REFERENCES cases (id),
  serial          text,
  event           text NOT NULL,
  channel         text NOT NULL CHECK (channel IN ('email', 'webhook')),
  target          text NOT NULL,           -- an address, or a webhook id
  payload         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  log             jsonb NOT NULL DEFAULT '[]',  -- one entry per attempt
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz
);
CREATE INDEX case_notifications_due ON case_notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX case_notifications_case ON case_notifications (case_id, created_at);

CREATE TABLE case_webhooks (
  id           text PRIMARY KEY,
  manufacturer text,                       -- null: every maker's cases
  url          text NOT NULL,
  secret       text NOT NULL,              -- the HMAC key the receiver shares; needed to sign
  created_at   timestamptz NOT NULL,
  created_by   text NOT NULL
);

-- One survey per closed case: created when the case closes, answered once by its owner.
CREATE TABLE case_surveys (
  case_id      text PRIMARY KEY REFERENCES cases (id),
  serial       text NOT NULL,
  category     text NOT NULL,
  manufacturer text,
  outlet_id    text,
  created_at   timestamptz NOT NULL,
  answered_at  timestamptz,
  score        integer CHECK (score BETWEEN 1 AND 5),
  resolved     boolean,
  comment      text
);
CREATE INDEX case_surveys_answered ON case_surveys (answered_at) WHERE answered_at IS NOT NULL;

-- A maker's published service commitment (response times), append-only versions.
CREATE TABLE service_commitments (
  manufacturer   text NOT NULL,
  version        text NOT NULL,
  effective_from text NOT NULL,
  doc            jsonb NOT NULL,
  saved_at       timestamptz NOT NULL,
  saved_by       text NOT NULL,
  PRIMARY KEY (manufacturer, version)
);

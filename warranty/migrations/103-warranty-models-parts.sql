-- Registry of product models and genuine parts (warranty/, issue 5): the main parts a model's
-- manufacturer lists and the policy its units follow; the part numbers (and serials) a
-- manufacturer supplies, against which repair orders' "genuine" parts are checked.
CREATE TABLE warranty_models (
  category     text NOT NULL,
  model        text NOT NULL,
  manufacturer text NOT NULL,
  main_parts   jsonb NOT NULL,
  policy_id    text,
  PRIMARY KEY (category, model)
);

CREATE TABLE warranty_parts (
  number       text PRIMARY KEY,
  name         text NOT NULL,
  manufacturer text NOT NULL,
  component    text
);
CREATE INDEX warranty_parts_manufacturer ON warranty_parts (manufacturer);

CREATE TABLE warranty_part_serials (
  number text NOT NULL REFERENCES warranty_parts (number),
  serial text NOT NULL,
  PRIMARY KEY (number, serial)
);

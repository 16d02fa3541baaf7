-- Makers' own 三包 policies (warranty/maker-policy.ts, issue 20): versions per manufacturer,
-- category and product model, each with the date from which units follow it. Versions are
-- append-only (a new promise is a new version; the store refuses to change one), so a unit is
-- always judged under the text it was sold with. `body` is the maker's document as validated;
-- dates are YYYY-MM-DD text (China civil dates), which sort as dates.
CREATE TABLE warranty_maker_policies (
  manufacturer   text NOT NULL,
  category       text NOT NULL,
  model          text NOT NULL,
  version        text NOT NULL,
  effective_from text NOT NULL,
  body           jsonb NOT NULL,
  saved_at       text NOT NULL,
  saved_by       text,
  PRIMARY KEY (manufacturer, category, model, version),
  UNIQUE (manufacturer, category, model, effective_from)
);

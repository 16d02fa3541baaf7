-- The service outlets an engineer serves (issue 25, "engineer with the outlets they serve").
-- An engineer user with outlets listed opens, closes and cancels repair orders only at those
-- outlets (quality/routes.ts); an empty list keeps the engineer unrestricted, as before.
ALTER TABLE users ADD COLUMN outlets jsonb NOT NULL DEFAULT '[]'::jsonb;

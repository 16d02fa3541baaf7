-- What the pages show about an alert in both languages (issue 19): the failure mode's name,
-- the component and the parts to bring, as the profile in force named them when it opened.
-- Null for alerts stored before; the pages then fall back to mode_name and the identifiers.
ALTER TABLE alerts ADD COLUMN names jsonb;

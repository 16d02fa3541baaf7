-- Holiday calendars an admin loads (warranty/, issue 20): one row per version of a year's
-- State Council arrangement. Versions are appended, never changed; the latest version of a year
-- is the one evaluations use. Years with no row use the calendar shipped in warranty/holidays.ts.
CREATE TABLE warranty_holiday_calendars (
  year        integer NOT NULL,
  version     integer NOT NULL,
  source      text NOT NULL,
  holidays    jsonb NOT NULL,
  workdays    jsonb NOT NULL,
  format      text NOT NULL,
  imported_at timestamptz NOT NULL,
  imported_by text,
  PRIMARY KEY (year, version)
);

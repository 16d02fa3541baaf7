-- What other modules may read of diagnostics' alerts (issue 21: a module reaches another's data
-- through that module's door). quality/ counts alerts by device, mode, severity and status, and
-- labels them with the repairs that followed (quality/overview.ts, labels.ts, reports.ts); it
-- reads this view, never the table. Evidence, actions, assignments and the history stay
-- diagnostics' own, behind its AlertService. A plain projection, which the planner inlines.
CREATE VIEW alerts_v AS
  SELECT id, device_id, category, model, mode_id, component, severity, status, opened_at
    FROM alerts;

-- Per-address limits of sign-ins and sign-ups (accounts/limits.ts), kept here rather than in one
-- process's memory so that every node of a cluster counts the same tries. One row per key
-- ('sign-in <address>', 'sign-up <address>'): the tries counted in the window that ends at
-- window_ends; a row whose window has ended counts as none (and is swept).
CREATE TABLE sign_in_limits (
  key          text PRIMARY KEY,
  tries        integer NOT NULL,
  window_ends  timestamptz NOT NULL
);
CREATE INDEX sign_in_limits_window ON sign_in_limits (window_ends);

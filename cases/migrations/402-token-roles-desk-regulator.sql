-- Two roles for cases/ (issue 23): `desk`, the service-desk agents who take owners' calls and
-- work the case queue, and `regulator`, who confirms violations and publishes them (信息公开).
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
  CHECK (role IN ('owner', 'engineer', 'manufacturer', 'admin', 'desk', 'regulator'));

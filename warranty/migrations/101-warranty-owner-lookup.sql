-- Owner lookup (warranty/): the owner account a unit belongs to (token subject), and the hash of
-- the verification code printed on the 三包凭证, so an owner without a token can look a unit up
-- by serial plus code. Only hashes are stored.
ALTER TABLE warranty_units ADD COLUMN owner_id text;
ALTER TABLE warranty_units ADD COLUMN verification_code_hash text;

-- 0012_sweep_indexes.sql — which entries cite a provenance row, by index.
-- When an entry leaves a register (a withdrawal, the consent-expiry sweep, an
-- erasure) its provenance rows are deleted unless another entry still cites
-- them (S_PROV_DELETE_UNUSED). Without these indexes that check scanned the
-- whole entry table once per row, so a sweep of a million expired consents
-- was quadratic. Provenance ids grow with time, so new entries append at the
-- right edge of each index; NULLs (categories not held) are left out. The
-- same holds for an organisation name, deleted when no entry cites it.

CREATE INDEX entry_name_prov ON entry(name_prov) WHERE name_prov IS NOT NULL;
CREATE INDEX entry_email_prov ON entry(email_prov) WHERE email_prov IS NOT NULL;
CREATE INDEX entry_phone_prov ON entry(phone_prov) WHERE phone_prov IS NOT NULL;
CREATE INDEX entry_position_prov ON entry(position_prov) WHERE position_prov IS NOT NULL;
CREATE INDEX entry_organisation_prov ON entry(organisation_prov)
    WHERE organisation_prov IS NOT NULL;
CREATE INDEX entry_interests_prov ON entry(interests_prov) WHERE interests_prov IS NOT NULL;
CREATE INDEX entry_organisation ON entry(organisation_id) WHERE organisation_id IS NOT NULL;

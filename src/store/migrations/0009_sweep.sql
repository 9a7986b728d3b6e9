-- 0009_sweep.sql — the retention sweep (core/sweep.c) finds what has run out
-- without scanning every row: live consents by their expiry (a partial
-- index, so withdrawn and expired states cost nothing) and unconfirmed
-- double opt-in signups by theirs.

CREATE INDEX consent_state_live_expiry ON consent_state (expires_at)
    WHERE state = 'live' AND expires_at IS NOT NULL;
CREATE INDEX signup_expiry ON signup (expires_at);

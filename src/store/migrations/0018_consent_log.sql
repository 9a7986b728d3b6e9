-- 0018_consent_log.sql — the website's cookie-consent log (issue 13 C; core/cookie_log.h,
-- docs/cookies.md).
--
-- consent_version keeps every version of the cookie text the consent manager was given:
-- the version (16 hex digits of the hash of the config JSON, http/consent_config.h), the
-- JSON itself and when the service first served it. The service records its current
-- version at start, so every version a browser can name is here, and a logged choice can
-- be shown with the categories and vendors the visitor saw.
--
-- consent_log holds one row per action a browser reported: its random consent id, the
-- server's time, the action, the choices (a JSON object of category id → granted), the
-- version, the language and whether Global Privacy Control was on. No IP address, no user
-- agent, no person: a consent id identifies a browser's cookie, nothing more. Rows are
-- deleted by the retention sweep after the declared cookies.log_retention.

CREATE TABLE consent_version (
    version    TEXT PRIMARY KEY CHECK (length(version) = 16),
    config     TEXT NOT NULL,
    first_seen TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE consent_log (
    seq        INTEGER PRIMARY KEY,
    consent_id TEXT NOT NULL CHECK (length(consent_id) BETWEEN 22 AND 64),
    at         TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('accept_all', 'reject_all', 'custom', 'withdraw')),
    choices    TEXT NOT NULL,
    version    TEXT NOT NULL REFERENCES consent_version(version),
    lang       TEXT NOT NULL CHECK (lang IN ('fi', 'en')),
    gpc        INTEGER NOT NULL CHECK (gpc IN (0, 1))
);
-- A consent id's history (the lookup), and the sweep and the daily counts by time.
CREATE INDEX consent_log_id ON consent_log(consent_id, seq);
CREATE INDEX consent_log_at ON consent_log(at, action);

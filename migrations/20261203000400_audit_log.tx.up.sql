-- The audit trail: what people did (refunds, bans, level changes, key
-- rotations, session revocations, password resets, replays, resolutions,
-- codes minted), written in the transaction of the action. actor_id is
-- null for the command line. Entries are only ever added.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    action     text NOT NULL CONSTRAINT audit_log_action_known CHECK (action IN (
        'refund', 'mint', 'ban', 'unban', 'level_change', 'key_rotation',
        'session_revocation', 'password_reset', 'anomaly_resolution', 'event_replay')),
    actor_id   bigint REFERENCES users (id),
    subject    text NOT NULL CONSTRAINT audit_log_subject_kind_id CHECK (subject ~ '^[^:\s]+:\S+$' AND length(subject) <= 255),
    reason     text NOT NULL DEFAULT '' CONSTRAINT audit_log_reason_length CHECK (char_length(reason) <= 500),
    created_at timestamptz NOT NULL
);

-- /audit reads newest first, all entries or those of one actor, action or
-- subject: each filter has an index that yields rows in id order.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, id DESC);

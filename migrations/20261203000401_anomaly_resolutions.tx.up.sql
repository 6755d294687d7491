-- What owners marked resolved on /anomalies, with their note: an anomalous
-- or failed event (event:ID) or a stuck refund (refund:ID). One each; the
-- audit trail keeps who did it too.
CREATE TABLE anomaly_resolutions (
    subject     text PRIMARY KEY CONSTRAINT anomaly_resolutions_subject_kind CHECK (subject ~ '^(event|refund):\S+$'),
    note        text NOT NULL CONSTRAINT anomaly_resolutions_note_present CHECK (note <> '' AND char_length(note) <= 500),
    resolved_by bigint REFERENCES users (id),
    resolved_at timestamptz NOT NULL
);

"""Numbered schema migrations; ``PRAGMA user_version`` records how far a database is.

Append a new script to ``MIGRATIONS`` for every change; never edit one that has shipped.
"""

from __future__ import annotations

V1_FOUNDATION = """
CREATE TABLE people (
    telegram_id   INTEGER PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    nip           TEXT NOT NULL DEFAULT '',
    position      TEXT NOT NULL DEFAULT '',
    username      TEXT,
    started_bot   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE role_assignments (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people(telegram_id),
    role          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    granted_at    TEXT NOT NULL,
    granted_by    INTEGER,
    revoked_at    TEXT,
    revoked_by    INTEGER
);
CREATE UNIQUE INDEX role_assignments_active
    ON role_assignments(person_id, role, unit) WHERE revoked_at IS NULL;
CREATE INDEX role_assignments_by_role ON role_assignments(unit, role) WHERE revoked_at IS NULL;

CREATE TABLE invites (
    token         TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    created_by    INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_by       INTEGER,
    used_at       TEXT
);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    sop_code        TEXT NOT NULL,
    unit            TEXT NOT NULL,
    title           TEXT NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    status          TEXT NOT NULL,
    step            INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    holder_role     TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    step_entered_at TEXT NOT NULL,
    closed_at       TEXT,
    state           TEXT NOT NULL
);
CREATE INDEX cases_open_by_role ON cases(unit, holder_role, step_entered_at) WHERE status = 'open';

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    step        INTEGER NOT NULL,
    to_step     INTEGER,
    actor       INTEGER NOT NULL,
    role        TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}',
    UNIQUE (case_id, seq)
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

CREATE TABLE files (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases(id),
    doc                 TEXT NOT NULL,
    kind                TEXT NOT NULL,
    telegram_file_id    TEXT,
    telegram_unique_id  TEXT,
    name                TEXT NOT NULL,
    mime                TEXT NOT NULL DEFAULT '',
    size                INTEGER NOT NULL,
    sha256              TEXT NOT NULL,
    path                TEXT NOT NULL,
    uploaded_by         INTEGER NOT NULL,
    uploaded_at         TEXT NOT NULL
);
CREATE INDEX files_by_case ON files(case_id, doc);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    case_id         INTEGER,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT,
    message_id      INTEGER
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE task_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    version     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX task_messages_by_case ON task_messages(case_id, version);

CREATE TABLE dialogues (
    person_id   INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    case_id     INTEGER,
    version     INTEGER,
    data        TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);

CREATE TABLE processed_updates (
    update_id   INTEGER PRIMARY KEY,
    at          TEXT NOT NULL
);
"""

V2_REMINDERS = """
ALTER TABLE cases ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN last_reminded_at TEXT;
ALTER TABLE cases ADD COLUMN snoozed_until TEXT;
ALTER TABLE cases ADD COLUMN next_due_at TEXT;
CREATE INDEX cases_due ON cases(next_due_at) WHERE status = 'open';
"""

V3_SMALL_ROWS = """
CREATE TABLE sop_revisions (
    revision      TEXT PRIMARY KEY,
    code          TEXT NOT NULL,
    source        TEXT NOT NULL,
    text          TEXT NOT NULL,
    first_seen_at TEXT NOT NULL
);

ALTER TABLE cases ADD COLUMN sop_revision TEXT;
ALTER TABLE cases ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 1;

ALTER TABLE files ADD COLUMN source_seq INTEGER;
CREATE INDEX files_by_source ON files(case_id, source_seq) WHERE source_seq IS NOT NULL;

CREATE TABLE outbox_v3 (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    case_id         INTEGER,
    version         INTEGER,
    params          TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT,
    message_id      INTEGER
);
-- Rows still to be delivered keep their rendered payload as a "text" row (rendered as it is).
INSERT INTO outbox_v3 (id, chat_id, kind, case_id, version, params, created_at,
                       next_attempt_at, attempts, last_error)
    SELECT id, chat_id,
           CASE kind WHEN 'message' THEN 'text' WHEN 'task' THEN 'text'
                     WHEN 'edit' THEN 'strip' ELSE kind END,
           case_id, json_extract(payload, '$.version'), payload, created_at,
           next_attempt_at, attempts, last_error
    FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL;
DROP TABLE outbox;
ALTER TABLE outbox_v3 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_settled ON outbox(sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_jobs ON outbox(case_id) WHERE chat_id = 0 AND sent_at IS NULL AND failed_at IS NULL;

ALTER TABLE dialogues ADD COLUMN prompt_chat INTEGER;
ALTER TABLE dialogues ADD COLUMN prompt_message INTEGER;

CREATE TABLE deliveries (
    person_id   INTEGER NOT NULL,
    file_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (person_id, file_id)
) WITHOUT ROWID;

CREATE TABLE live_tasks (
    chat_id     INTEGER NOT NULL,
    case_id     INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, case_id)
) WITHOUT ROWID;

CREATE INDEX processed_updates_by_time ON processed_updates(at);
"""

V4_ACTING = """
CREATE TABLE acting (
    id          INTEGER PRIMARY KEY,
    role        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people(telegram_id),
    kind        TEXT NOT NULL CHECK (kind IN ('plh', 'plt')),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,          -- when it ends in fact (an early end moves it)
    planned_end TEXT NOT NULL,          -- the end the appointment named
    reason      TEXT NOT NULL DEFAULT '',
    letter      TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    ended_at    TEXT,
    ended_by    INTEGER,
    routed_in   INTEGER NOT NULL DEFAULT 0,
    routed_back INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX acting_by_role ON acting(unit, role, starts_at);
CREATE INDEX acting_to_route ON acting(starts_at) WHERE routed_back = 0;
CREATE INDEX dialogues_by_case ON dialogues(case_id) WHERE case_id IS NOT NULL;
"""

V5_QUEUE_INDEXES = """
-- The outbox keeps delivered rows for the retention period; the queries of the rows still
-- to go read this small partial index instead of the whole table: a round takes the oldest
-- due rows (in id order), an answer looks for earlier rows of its chat and case.
CREATE INDEX outbox_queue ON outbox(id) WHERE sent_at IS NULL AND failed_at IS NULL;
-- a move retires its case's live task messages
CREATE INDEX live_tasks_by_case ON live_tasks(case_id);
"""

V6_ONE_QUEUE_INDEX = """
-- outbox_queue holds the same rows as outbox_pending (those still to go), and every query
-- of them now reads it: the second index only cost every outbox write (an insert, a lease,
-- a retry, a delivery) one more b-tree to change.
DROP INDEX outbox_pending;
"""

V7_ALBUMS = """
-- An album (several files sent at once) carries its caption on one file only. The case its
-- caption or reply names is kept for the album's other files, and a file that came before
-- the one naming it waits here (its Telegram file, not yet downloaded) until it is named,
-- or is asked about after a few seconds. Rows live for minutes: pruned with the update ids.
CREATE TABLE albums (
    chat_id         INTEGER NOT NULL,
    media_group_id  TEXT NOT NULL,
    case_id         INTEGER,            -- the case named; NULL while no file has named it
    at              TEXT NOT NULL,
    PRIMARY KEY (chat_id, media_group_id)
) WITHOUT ROWID;

CREATE TABLE album_files (
    chat_id         INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    media_group_id  TEXT NOT NULL,
    person_id       INTEGER NOT NULL,
    update_id       INTEGER,
    file            TEXT NOT NULL,      -- JSON: the Telegram file (ids, name, size, type)
    at              TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX album_files_by_album ON album_files(chat_id, media_group_id);
"""

V8_ARCHIVE_NUMBERS = """
-- An archive number is refused when another case was filed under it: the lookup reads
-- the archived events' data (compact JSON that starts with the number) from this partial
-- index, one entry per archived case, instead of scanning the whole event log.
CREATE INDEX events_archived ON events(data) WHERE type = 'archived';
"""

V9_INBOX = """
-- Updates received and not yet handled. Each is written before Telegram hears that it was
-- taken (the next getUpdates' offset, the webhook's answer), and deleted once handled: a
-- crash in between no longer loses it (bot/inbox.py puts it back at the next start).
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,      -- the update's JSON
    at          TEXT NOT NULL,
    replays     INTEGER NOT NULL DEFAULT 0
);
"""

V10_ADMIN_MENU = """
-- Whose chat the bot gave the administrators' command menu (setMyCommands for that chat:
-- Telegram keeps it until it is deleted). A person marked and no longer an administrator
-- has it deleted at the next start (bot/app.py).
ALTER TABLE people ADD COLUMN admin_menu INTEGER NOT NULL DEFAULT 0;
"""

V11_REPORT_INDEX = """
-- A report over a period reads the cases open now (cases_open_by_role) and the cases
-- closed in or after it, from this index, instead of every case ever opened: /laporan
-- "30 hari" at 100,000 cases no longer scans them all.
CREATE INDEX cases_closed ON cases(unit, sop_code, closed_at) WHERE status <> 'open';
"""

V12_ENDED_DIALOGUES = """
-- A person's last question that ended without their answer (another holder decided the
-- step, the role was moved or revoked, an acting period ended, the case was cancelled):
-- the text they type for it afterwards is answered with why it was not used, not with
-- "cannot be processed". One row a person, replaced by the next; gone once told, or when
-- they start another dialogue.
CREATE TABLE ended_dialogues (
    person_id   INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,      -- the dialogue's kind (return_reason, note, ...)
    case_id     INTEGER,
    step        INTEGER,            -- the case's step it was about
    why         TEXT NOT NULL,      -- moved, archived, withdrawn, cancelled, role_moved, ...
    role        TEXT,               -- the role that went (role_moved, role_revoked, acting_ended)
    actor       INTEGER,            -- who moved the case (moved, archived, withdrawn, cancelled)
    at          TEXT NOT NULL
);
"""

V13_CHASES = """
-- Who was chased about a case, and who postponed the chasing: one row per reminder or
-- escalation delivered and per /tunda, written in the transaction that records the
-- delivery or applies it. The outbox rows that carried them are pruned after the retention; these stay as long
-- as the case (cases are never deleted), and `sopbot export` lists them. Not events: they
-- neither move a case nor change its version.
CREATE TABLE chases (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    step        INTEGER NOT NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,      -- reminder, escalation, snooze
    person_id   INTEGER NOT NULL,   -- who was reminded or told, or who postponed (snooze)
    role        TEXT NOT NULL,      -- the role they were chased (or postponed) as
    number      INTEGER,            -- the reminder's number at the step (not for a snooze)
    until       TEXT                -- no reminder before this (snooze only)
);
CREATE INDEX chases_by_case ON chases(case_id);
CREATE TRIGGER chases_no_update BEFORE UPDATE ON chases
    BEGIN SELECT RAISE(ABORT, 'the chase log is append-only'); END;
CREATE TRIGGER chases_no_delete BEFORE DELETE ON chases
    BEGIN SELECT RAISE(ABORT, 'the chase log is append-only'); END;
"""

V14_EARLIER_PROFILES = """
-- A person's profile as it was before a correction (/saya's "Perbaiki data", an
-- administrator's /ubah_data, a seed): a case's history names each actor as they were at
-- the event's time, not by today's profile. Append-only: one row for every profile
-- replaced, with when it stopped being in force and who changed it.
CREATE TABLE earlier_profiles (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(telegram_id),
    name        TEXT NOT NULL,
    nip         TEXT NOT NULL,
    position    TEXT NOT NULL,
    valid_until TEXT NOT NULL,      -- when it was replaced
    changed_by  INTEGER             -- who typed the new one (NULL: the config's seed)
);
CREATE INDEX earlier_profiles_by_person ON earlier_profiles(person_id, valid_until);
CREATE TRIGGER earlier_profiles_no_update BEFORE UPDATE ON earlier_profiles
    BEGIN SELECT RAISE(ABORT, 'earlier profiles are append-only'); END;
CREATE TRIGGER earlier_profiles_no_delete BEFORE DELETE ON earlier_profiles
    BEGIN SELECT RAISE(ABORT, 'earlier profiles are append-only'); END;
"""

V15_ARCHIVE_NUMBERS = """
-- One archive number per case, compared as bot.core.workflow.archive_number_key writes it
-- (no spaces, ASCII letters in upper case, no full stop or comma at its end): the number
-- typed "ot.04.00 / 123 / 2026." is the one filed as "OT.04.00/123/2026". Kept by
-- storage.repo.append_events with the archived events; the first case filed under a
-- number keeps it. Filled here from the numbers filed before.
CREATE TABLE archive_numbers (
    number      TEXT PRIMARY KEY,   -- the compared form
    case_id     INTEGER NOT NULL REFERENCES cases(id)
) WITHOUT ROWID;
INSERT INTO archive_numbers (number, case_id)
    SELECT rtrim(upper(replace(json_extract(data, '$.reference'), ' ', '')), '.,;:'), case_id
    FROM events WHERE type = 'archived' ORDER BY id
    ON CONFLICT DO NOTHING;
-- the lookup by the number as typed (storage.migrations.V8_ARCHIVE_NUMBERS) gives way to it
DROP INDEX events_archived;
"""

V16_ALBUM_FILES_TAKEN = """
-- A file of an album that waited for its case (album_files) is no longer deleted when a
-- file of the album names the case or when its sender is asked which case: it is taken by
-- the bot run that handles it, and deleted in the transaction that records it (or once
-- its sender is told why it is not). A run that stopped (a crash, a kill) with files taken
-- leaves them to the next start, which downloads and records them, or asks about them
-- again; one taken up at MOST_RESUMES starts (bot.services.albums) is dropped, its sender told.
ALTER TABLE album_files ADD COLUMN taken_by TEXT;   -- the run handling it; NULL: waiting
ALTER TABLE album_files ADD COLUMN resumed INTEGER NOT NULL DEFAULT 0;  -- starts that took it up
"""

V17_UNDELIVERED_BY_CHAT = """
-- The rows not delivered to a chat, by case: those still to go, and those Telegram refused
-- (failed_at set), which a later reminder supersedes, a step passed on drops and pressing
-- Start sends again. outbox_queue holds the rows still to go in id order only, and none
-- that were refused, so those lookups read the whole table, the retention's delivered rows
-- and all: 4 ms a reminder at 60,000 rows kept, each holding the writer. Two partial
-- indexes, one for each kind of row, so a delivery round (its rows by chat) reads no refused
-- rows; a lookup of both reads the two (storage.repo's _queued_or_refused).
CREATE INDEX outbox_queued_by_chat ON outbox(chat_id, case_id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_refused ON outbox(chat_id, case_id)
    WHERE sent_at IS NULL AND failed_at IS NOT NULL;
-- outbox_jobs (the paper jobs still to go, by case) holds outbox_queued_by_chat's rows of
-- chat 0, which serve its lookups as well: one b-tree fewer for every outbox write to change
DROP INDEX outbox_jobs;
"""

V18_ARCHIVE_NUMBER_BY_CASE = """
-- Each archived case's archive number as it stands (its latest archived or
-- archive_corrected event), in the compared form of archive_numbers, kept by
-- storage.repo.append_events with those events. archive_numbers keeps the first case filed
-- under a number; when a correction frees it, this finds a case still filed under it (two
-- filed under one number before level 15) by its index, where a scan of every archived
-- event ran inside the writer (/ubah_arsip: 72 ms at 4,500 archived cases). Filled here
-- from the event log.
ALTER TABLE cases ADD COLUMN archive_number TEXT;
UPDATE cases SET archive_number = (
    SELECT rtrim(upper(replace(json_extract(e.data, '$.reference'), ' ', '')), '.,;:')
    FROM events e WHERE e.case_id = cases.id AND e.type IN ('archived', 'archive_corrected')
    ORDER BY e.seq DESC LIMIT 1
) WHERE status = 'archived';
CREATE INDEX cases_archive_number ON cases(archive_number) WHERE archive_number IS NOT NULL;
"""

V19_HAND_OVERS = """
-- When the tasks of a case's step last passed to another official while it waited there
-- (an acting period began or ended, the role passed on: bot.services.effects.hand_task),
-- and how many reminders the step had had by then. The new holder's reminders start
-- afresh: the first one a repeat interval after they received the task (never before the
-- step's norm is used up), numbered from 1; the step's own count (reminders_sent) goes on
-- and sets the escalation level. NULL: held since the case entered the step.
ALTER TABLE cases ADD COLUMN handed_over_at TEXT;
ALTER TABLE cases ADD COLUMN reminders_before_hand_over INTEGER NOT NULL DEFAULT 0;
"""

V20_HAND_OVERS_BY_HOLDER = """
-- Who received the tasks of a case's step from another official while it waited there,
-- each with how many of the step's reminders had gone by then (a JSON object, person id ->
-- that count; NULL: nobody, since the case entered the step). Each holder reads their own
-- reminder numbers from it (bot.reminder_policy.holder_number): a team member whose
-- colleague's place passed to a newcomer counts on, only the newcomer reads ke-1. Level 19
-- kept the last hand-over for the whole step: "*", every holder not named, keeps it here.
ALTER TABLE cases ADD COLUMN handed_over_to TEXT;
UPDATE cases SET handed_over_to = '{"*":' || reminders_before_hand_over || '}'
    WHERE handed_over_at IS NOT NULL;
"""

V21_ACTING_EXTENSIONS = """
-- Each extension of an acting appointment (/plh or /plt again for the acting official in
-- force, to a later day), kept with its own reason and letter number, by whom and when: a
-- JSON list of {ends_at, reason, letter, by, at}, in order (storage.repo.Extension). The
-- appointment's reason and letter stay the first appointment's. Extensions made before
-- this level moved the end only: their reasons were not kept.
ALTER TABLE acting ADD COLUMN extensions TEXT NOT NULL DEFAULT '[]';
"""

V22_ROLE_MOVED_TO = """
-- To whom /alihkan passed a role: kept on the assignment it ended. A move grants the new
-- holder the role in the same moment, which told it from a /cabut (storage.repo.moves);
-- a move of a shared role's place to someone who held it already grants nothing, and read
-- as a revocation in /peran. NULL: revoked (/cabut), or moved before this level (read
-- from the grant, as before).
ALTER TABLE role_assignments ADD COLUMN moved_to INTEGER;
"""

V23_TASKS_ON_THEIR_WAY = """
-- A case's task rows still to go, by case and version: a move looks up those of the
-- version it ends that are being sent (storage.repo.tasks_on_their_way), which the index
-- by chat could only find by reading every row still to go (thousands while Telegram
-- cannot be reached).
CREATE INDEX outbox_tasks_to_go ON outbox(case_id, version)
    WHERE kind = 'task' AND sent_at IS NULL AND failed_at IS NULL;
"""

MIGRATIONS: tuple[str, ...] = (
    V1_FOUNDATION,
    V2_REMINDERS,
    V3_SMALL_ROWS,
    V4_ACTING,
    V5_QUEUE_INDEXES,
    V6_ONE_QUEUE_INDEX,
    V7_ALBUMS,
    V8_ARCHIVE_NUMBERS,
    V9_INBOX,
    V10_ADMIN_MENU,
    V11_REPORT_INDEX,
    V12_ENDED_DIALOGUES,
    V13_CHASES,
    V14_EARLIER_PROFILES,
    V15_ARCHIVE_NUMBERS,
    V16_ALBUM_FILES_TAKEN,
    V17_UNDELIVERED_BY_CHAT,
    V18_ARCHIVE_NUMBER_BY_CASE,
    V19_HAND_OVERS,
    V20_HAND_OVERS_BY_HOLDER,
    V21_ACTING_EXTENSIONS,
    V22_ROLE_MOVED_TO,
    V23_TASKS_ON_THEIR_WAY,
)
"""``MIGRATIONS[i]`` takes a database from ``user_version`` i to i + 1."""

LATEST = len(MIGRATIONS)

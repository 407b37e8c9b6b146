#include "storage/migrations.hpp"

#include "scheduler/clock.hpp"

#include <sqlite3.h> // the result codes (storage/sql.hpp)

#include <array>
#include <string>

namespace copsched::storage {
namespace {

// Version 1: every table the service needs. Instants are UTC ISO-8601 text (sorts
// correctly); local wall-clock times are kept beside them. JSON columns hold small
// structured values that are never queried by their parts.
constexpr const char* v1_schema = R"sql(
CREATE TABLE programmes (
    id            TEXT PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('nl','en')),
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    meeting_rules TEXT NOT NULL,              -- JSON
    feeds_public  INTEGER NOT NULL DEFAULT 1,
    sender_email  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE organisations (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('government','company','knowledge_partner')),
    level         TEXT NOT NULL CHECK (level IN ('starter','advanced')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (programme_id, name)
);

CREATE TABLE people (
    id              TEXT PRIMARY KEY,
    programme_id    TEXT NOT NULL REFERENCES programmes(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('buyer','sustainability_coordinator','budget_holder','project_leader','consultant','other')),
    language        TEXT NOT NULL CHECK (language IN ('nl','en')),
    active          INTEGER NOT NULL DEFAULT 1,
    feed_token_hash TEXT UNIQUE,
    reminders_opt_out INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (programme_id, email)
);
CREATE INDEX people_organisation ON people(organisation_id);

CREATE TABLE working_groups (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    slug          TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    archived_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    UNIQUE (programme_id, slug)
);

CREATE TABLE memberships (
    id               TEXT PRIMARY KEY,
    working_group_id TEXT NOT NULL REFERENCES working_groups(id),
    person_id        TEXT NOT NULL REFERENCES people(id),
    role             TEXT NOT NULL CHECK (role IN ('member','chair','facilitator')),
    valid_from       TEXT NOT NULL,           -- YYYY-MM-DD, inclusive
    valid_until      TEXT,                    -- YYYY-MM-DD, inclusive; NULL = open
    created_at       TEXT NOT NULL,
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
CREATE INDEX memberships_group ON memberships(working_group_id);
CREATE INDEX memberships_person ON memberships(person_id);

CREATE TABLE venues (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    name          TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    capacity      INTEGER NOT NULL CHECK (capacity >= 0),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE series (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    rrule         TEXT NOT NULL,
    start_local   TEXT NOT NULL,
    end_local     TEXT NOT NULL,
    template      TEXT NOT NULL,              -- JSON: the event fields shared by occurrences
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE events (
    id                 TEXT PRIMARY KEY,
    programme_id       TEXT NOT NULL REFERENCES programmes(id),
    series_id          TEXT REFERENCES series(id),
    recurrence_local   TEXT,                  -- the occurrence's original local start
    kind               TEXT NOT NULL CHECK (kind IN ('cop_meeting','working_group_session','other')),
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    working_group_id   TEXT REFERENCES working_groups(id),
    start_local        TEXT NOT NULL,
    end_local          TEXT NOT NULL,
    start_utc          TEXT NOT NULL,
    end_utc            TEXT NOT NULL,
    all_day            INTEGER NOT NULL DEFAULT 0,
    venue_id           TEXT REFERENCES venues(id),
    online_url         TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL CHECK (status IN ('tentative','confirmed','cancelled')),
    sequence           INTEGER NOT NULL DEFAULT 0,
    accepted_conflicts TEXT NOT NULL DEFAULT '[]', -- JSON
    cancelled_at       TEXT,
    cancel_reason      TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CHECK (end_utc > start_utc)
);
CREATE INDEX events_programme_start ON events(programme_id, start_utc);
CREATE INDEX events_venue_start ON events(venue_id, start_utc);
CREATE INDEX events_group_start ON events(working_group_id, start_utc);
CREATE INDEX events_series ON events(series_id);

CREATE TABLE attendance (
    event_id      TEXT NOT NULL REFERENCES events(id),
    person_id     TEXT NOT NULL REFERENCES people(id),
    invited_via   TEXT NOT NULL CHECK (invited_via IN ('programme','working_group','guest')),
    invited_at    TEXT NOT NULL,
    rsvp          TEXT CHECK (rsvp IN ('accepted','tentative','declined')),
    rsvp_comment  TEXT,
    rsvp_at       TEXT,
    presence      TEXT CHECK (presence IN ('present','absent','excused')),
    mode          TEXT CHECK (mode IN ('onsite','online')),
    recorded_at   TEXT,
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX attendance_person ON attendance(person_id);

CREATE TABLE blackouts (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    name          TEXT NOT NULL,
    start_utc     TEXT NOT NULL,
    end_utc       TEXT NOT NULL,
    import_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX blackouts_programme ON blackouts(programme_id, start_utc);

CREATE TABLE busy_times (
    person_id     TEXT NOT NULL REFERENCES people(id),
    start_utc     TEXT NOT NULL,
    end_utc       TEXT NOT NULL
);
CREATE INDEX busy_times_person ON busy_times(person_id, start_utc);

CREATE TABLE reminders (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    event_id      TEXT NOT NULL REFERENCES events(id),
    person_id     TEXT NOT NULL REFERENCES people(id),
    kind          TEXT NOT NULL CHECK (kind IN ('invitation','update','cancellation','reminder')),
    due_at        TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending','leased','sent','failed','dead','dropped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    lease_until   TEXT,
    leased_by     TEXT,
    message_id    TEXT,
    last_error    TEXT,
    sequence      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX reminders_due ON reminders(state, due_at);
CREATE INDEX reminders_event ON reminders(event_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin','organiser','participant')),
    programme_id  TEXT REFERENCES programmes(id),
    person_id     TEXT REFERENCES people(id),
    lookup_prefix TEXT NOT NULL,
    secret_hash   TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT,
    CHECK (role = 'admin' OR programme_id IS NOT NULL),
    CHECK (role <> 'participant' OR person_id IS NOT NULL)
);
CREATE INDEX api_tokens_prefix ON api_tokens(lookup_prefix);

CREATE TABLE api_token_working_groups (
    token_id         TEXT NOT NULL REFERENCES api_tokens(id),
    working_group_id TEXT NOT NULL REFERENCES working_groups(id),
    PRIMARY KEY (token_id, working_group_id)
);

CREATE TABLE idempotency_keys (
    token_id      TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_created ON idempotency_keys(created_at);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_object ON audit_log(object_type, object_id);
)sql";

// Version 2: overlap queries become index range scans. An event overlaps [start, end)
// when it starts before `end` and ends after `start`; with the programme's longest event
// length L known, only events starting in [start - L, end) can, which the covering index
// (programme_id, start_utc, end_utc, status) answers without reading the table.
// Counting a group's members at a date, the members two groups share and the people
// invited read only indexes (memberships_*_span, people_programme_active).
// programme_stats.longest_event_seconds only grows (see sql_store::note_event_length).
constexpr const char* v2_overlap_index = R"sql(
CREATE TABLE programme_stats (
    programme_id          TEXT PRIMARY KEY REFERENCES programmes(id) ON DELETE CASCADE,
    longest_event_seconds INTEGER NOT NULL DEFAULT 0
);
INSERT INTO programme_stats(programme_id, longest_event_seconds)
    SELECT programme_id, CAST(ROUND(MAX(julianday(end_utc) - julianday(start_utc)) * 86400) AS INTEGER)
    FROM events GROUP BY programme_id;
DROP INDEX events_programme_start;
CREATE INDEX events_programme_span ON events(programme_id, start_utc, end_utc, status);
DROP INDEX events_venue_start;
CREATE INDEX events_venue_span ON events(venue_id, start_utc, end_utc, status);
DROP INDEX memberships_group;
CREATE INDEX memberships_group_span ON memberships(working_group_id, valid_from, valid_until, person_id);
DROP INDEX memberships_person;
CREATE INDEX memberships_person_span ON memberships(person_id, working_group_id, valid_from, valid_until);
CREATE INDEX people_programme_active ON people(programme_id, active);
)sql";

// Version 3: calendar feeds. people.feed_generation numbers a person's feed token (the
// token is derived from it, only its hash is kept in feed_token_hash); rotating bumps it.
// programme_stats.last_event_deletion keeps a feed's Last-Modified from going backwards
// when an event disappears. events_programme_kind gives a person's or organisation's feed
// the programme's CoP meetings and other events without visiting its sessions; the
// sessions come through memberships_person_span and events_group_start (storage/feeds.cpp).
// PostgreSQL has no julianday: its own expression for the longest event (after
// postgresql_dialect, which has made the INTEGER a BIGINT).
constexpr const char* v2_julianday = "CAST(ROUND(MAX(julianday(end_utc) - julianday(start_utc)) * 86400) AS BIGINT)";
constexpr const char* v2_epoch =
    "CAST(ROUND(MAX(EXTRACT(EPOCH FROM (end_utc::timestamptz - start_utc::timestamptz)))) AS BIGINT)";

constexpr const char* v3_calendar_feeds = R"sql(
ALTER TABLE people ADD COLUMN feed_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE programme_stats ADD COLUMN last_event_deletion TEXT;
CREATE INDEX events_programme_kind ON events(programme_id, kind);
)sql";

// Blackout calendars arrive as named imports that can be listed and removed as a whole.
constexpr const char* v4_planning = R"sql(
CREATE TABLE blackout_imports (
    id            TEXT PRIMARY KEY,
    programme_id  TEXT NOT NULL REFERENCES programmes(id),
    name          TEXT NOT NULL,
    periods       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (programme_id, name)
);
CREATE INDEX blackouts_import ON blackouts(import_id);
CREATE INDEX busy_times_span ON busy_times(person_id, start_utc, end_utc);
DROP INDEX busy_times_person;
)sql";

// Attendance: an event's invitations follow the data until the event starts, then are
// frozen (see scheduler/store/attendance_store.hpp). events.invitations_frozen_at is set
// when the event's derived invitations were stored in attendance; events_unfrozen lets the freeze
// at the start of every write batch find the started, unfrozen events with one index probe.
//
// derived_invitations is the one definition of who is invited by the data: a CoP meeting's
// active people of the programme; a session's active members of its group on its local
// date; nobody for other events. invitations is what every read goes through: for a frozen
// event its stored rows; for an unfrozen one the derived people (with their stored answers)
// plus its guests. A stored guest row wins over a derivation of the same person (the person
// stays a guest until removed as one); a stored non-guest row of someone no longer derived
// is ignored, and deleted when the event freezes. Both are UNION ALLs of simple joins, so
// SQLite pushes a caller's WHERE on event_id, person_id, programme_id or start_utc into
// every arm and each arm runs on indexes (events_programme_span, people_programme_active,
// memberships_group_span, memberships_person_span, events_group_start, the attendance key).
constexpr const char* v5_attendance = R"sql(
ALTER TABLE events ADD COLUMN invitations_frozen_at TEXT;
CREATE INDEX events_unfrozen ON events(start_utc) WHERE invitations_frozen_at IS NULL;

CREATE VIEW derived_invitations(event_id, programme_id, start_utc, frozen_at, person_id, invited_via) AS
SELECT e.id, e.programme_id, e.start_utc, e.invitations_frozen_at, p.id, 'programme'
  FROM events e JOIN people p ON p.programme_id = e.programme_id AND p.active = 1
 WHERE e.kind = 'cop_meeting'
UNION ALL
SELECT e.id, e.programme_id, e.start_utc, e.invitations_frozen_at, m.person_id, 'working_group'
  FROM events e
  JOIN memberships m ON m.working_group_id = e.working_group_id
   AND m.valid_from <= substr(e.start_local, 1, 10)
   AND (m.valid_until IS NULL OR m.valid_until >= substr(e.start_local, 1, 10))
  JOIN people p ON p.id = m.person_id AND p.active = 1
 WHERE e.kind = 'working_group_session';

CREATE VIEW invitations(event_id, programme_id, start_utc, frozen, person_id, invited_via,
                        rsvp, rsvp_comment, rsvp_at, presence, mode, recorded_at) AS
SELECT e.id, e.programme_id, e.start_utc, 1, a.person_id, a.invited_via,
       a.rsvp, a.rsvp_comment, a.rsvp_at, a.presence, a.mode, a.recorded_at
  FROM events e JOIN attendance a ON a.event_id = e.id
 WHERE e.invitations_frozen_at IS NOT NULL
UNION ALL
SELECT d.event_id, d.programme_id, d.start_utc, 0, d.person_id, d.invited_via,
       a.rsvp, a.rsvp_comment, a.rsvp_at, a.presence, a.mode, a.recorded_at
  FROM derived_invitations d LEFT JOIN attendance a ON a.event_id = d.event_id AND a.person_id = d.person_id
 WHERE d.frozen_at IS NULL AND (a.invited_via IS NULL OR a.invited_via <> 'guest')
UNION ALL
SELECT e.id, e.programme_id, e.start_utc, 0, a.person_id, a.invited_via,
       a.rsvp, a.rsvp_comment, a.rsvp_at, a.presence, a.mode, a.recorded_at
  FROM events e JOIN attendance a ON a.event_id = e.id
 WHERE e.invitations_frozen_at IS NULL AND a.invited_via = 'guest';
)sql";

// The e-mail outbox (scheduler/outbox.hpp). programmes.mail holds mail_settings as JSON
// ('{}' = the defaults). outbox_changes holds what changed since the outbox was last
// planned, written in the transaction of the change: an event (person_id '' = everyone
// invited) or a person (event_id '' = all their upcoming events); planning deletes them. Claiming reads reminders_claimable (due, unsent) and
// reminders_leased (expired leases); the planner reads an event's or a person's messages
// through reminders_event_person and reminders_person; counts per state read
// reminders_state without touching the table.
constexpr const char* v6_outbox = R"sql(
ALTER TABLE programmes ADD COLUMN mail TEXT NOT NULL DEFAULT '{}';
ALTER TABLE reminders ADD COLUMN days_before INTEGER;
ALTER TABLE reminders ADD COLUMN lease_id TEXT;
DROP INDEX reminders_due;
DROP INDEX reminders_event;
CREATE INDEX reminders_claimable ON reminders(due_at) WHERE state IN ('pending','failed');
CREATE INDEX reminders_leased ON reminders(lease_until) WHERE state = 'leased';
CREATE INDEX reminders_state ON reminders(state, programme_id);
CREATE INDEX reminders_event_person ON reminders(event_id, person_id);
CREATE INDEX reminders_person ON reminders(person_id, event_id);
CREATE TABLE outbox_changes (
    event_id  TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (event_id, person_id)
) WITHOUT ROWID;
)sql";

// PostgreSQL has no rowid: the order messages were created in, which claims and
// listings follow (storage/outbox.cpp), is an identity column.
constexpr const char* v6_outbox_postgresql = R"sql(
ALTER TABLE reminders ADD COLUMN seq BIGINT GENERATED BY DEFAULT AS IDENTITY;
CREATE INDEX reminders_seq ON reminders(seq);
)sql";

// Whose public holidays count (scheduler::holiday_settings) as JSON {"country", "subdivision"};
// '{}' is the default: the country of the programme's time zone.
constexpr const char* v7_holidays = R"sql(
ALTER TABLE programmes ADD COLUMN holidays TEXT NOT NULL DEFAULT '{}';
)sql";

// Answers by e-mail (scheduler/replies.hpp): every reply `copsched inbox` hands in, applied
// or refused, newest first by id. No foreign keys: a reply to an unknown event is kept
// too, and a reply outlives a deleted event or person as the audit trail does.
constexpr const char* v8_replies = R"sql(
CREATE TABLE replies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at   TEXT NOT NULL,
    programme_id  TEXT,
    event_id      TEXT,
    person_id     TEXT,
    state         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    detail        TEXT NOT NULL,
    method        TEXT NOT NULL,
    attendee      TEXT NOT NULL,
    rsvp          TEXT,
    comment       TEXT,
    sequence      INTEGER,
    envelope_to   TEXT NOT NULL,
    from_address  TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    actor         TEXT NOT NULL
);
CREATE INDEX replies_programme ON replies(programme_id, id);
CREATE INDEX replies_event ON replies(event_id, id);
CREATE INDEX people_email_lower ON people(programme_id, lower(email));
)sql";

// Signed-in sessions of the organisers' dashboard (scheduler::web_session): the hash of
// the cookie's value, the API token it was exchanged for, the session's form token.
constexpr const char* v9_web_sessions = R"sql(
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    token_id   TEXT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    form_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);
)sql";

// Messages per programme and state (the outbox summary), kept in the transaction of every
// write to reminders (storage/outbox.cpp): counting them at each summary read every message
// of the programme (150 ms for 456,000 messages). Not by triggers: on SQLite a trigger
// makes each write a multi-row statement with its own statement journal, whose release
// walks the job's whole in-memory sub-journal, and planning 456,000 messages took minutes.
// Due-now counts depend on the time asked, so reminders_programme_due answers them from
// the index alone.
constexpr const char* v10_outbox_counts = R"sql(
CREATE TABLE outbox_counts (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    state        TEXT NOT NULL,
    messages     INTEGER NOT NULL,
    PRIMARY KEY (programme_id, state)
) WITHOUT ROWID;
INSERT INTO outbox_counts(programme_id, state, messages)
    SELECT programme_id, state, COUNT(*) FROM reminders GROUP BY programme_id, state;
CREATE INDEX reminders_programme_due ON reminders(programme_id, due_at) WHERE state IN ('pending','failed');
)sql";

// Approval of membership changes: programmes.membership_approval is the programme's
// memberships.approval ('none': a participant's join or leave takes effect at once;
// 'organiser': it waits as a row of membership_requests until an organiser decides). At
// most one pending request per person and group, kept by a partial unique index.
constexpr const char* v11_membership_requests = R"sql(
ALTER TABLE programmes ADD COLUMN membership_approval TEXT NOT NULL DEFAULT 'none';
CREATE TABLE membership_requests (
    id               TEXT PRIMARY KEY,
    programme_id     TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    person_id        TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    working_group_id TEXT NOT NULL REFERENCES working_groups(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('join','leave')),
    membership_id    TEXT,
    state            TEXT NOT NULL CHECK (state IN ('pending','approved','declined','withdrawn')),
    comment          TEXT,
    reason           TEXT,
    created_at       TEXT NOT NULL,
    decided_at       TEXT,
    decided_by       TEXT
);
CREATE UNIQUE INDEX membership_requests_one_pending ON membership_requests(person_id, working_group_id)
    WHERE state = 'pending';
CREATE INDEX membership_requests_programme ON membership_requests(programme_id, state, id);
CREATE INDEX membership_requests_person ON membership_requests(person_id, id);
)sql";

constexpr std::array<migration, 11> migrations{{
    {1, "initial schema", v1_schema},
    {2, "index range scans for overlapping events", v2_overlap_index, {v2_julianday, v2_epoch}},
    {3, "calendar feeds", v3_calendar_feeds},
    {4, "blackout imports and busy-time spans", v4_planning},
    {5, "attendance: frozen invitations", v5_attendance},
    {6, "e-mail outbox", v6_outbox, {}, v6_outbox_postgresql},
    {7, "public holidays per programme", v7_holidays},
    {8, "answers by e-mail", v8_replies},
    {9, "dashboard sessions", v9_web_sessions},
    {10, "outbox counts per state", v10_outbox_counts},
    {11, "membership requests", v11_membership_requests},
}};

} // namespace

std::span<const migration> all_migrations() { return migrations; }

std::string postgresql_dialect(std::string_view sql) {
    std::string out(sql);
    const auto replace_all = [&](std::string_view from, std::string_view to) {
        for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
            out.replace(at, from.size(), to);
    };
    replace_all("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    replace_all(") WITHOUT ROWID;", ");");
    replace_all(" INTEGER", " BIGINT");
    replace_all(" TEXT", " TEXT COLLATE \"C\"");
    return out;
}

std::string migration_text(const migration& m, engine e) {
    if (e == engine::sqlite) return m.sql;
    auto out = postgresql_dialect(m.sql);
    if (const auto& [from, to] = m.postgresql_replace; from) {
        const auto at = out.find(from);
        if (at == std::string::npos) // a mistake in this file, found by the first migration test
            throw database_error(SQLITE_INTERNAL, "migration " + std::to_string(m.version) + ": no " + from);
        out.replace(at, std::string_view(from).size(), to);
    }
    if (m.postgresql_extra) out += m.postgresql_extra;
    return out;
}

int schema_version(connection& c) {
    c.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
           " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    auto s = c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.integer(0));
}

namespace {

// Holds PostgreSQL's migration lock for its lifetime; nothing on SQLite, whose writer
// lock (sql_database.hpp) already keeps a second process out.
class migration_lock {
public:
    explicit migration_lock(connection& c) : c_(c) {
        if (c_.engine() == engine::postgresql) c_.exec("SELECT pg_advisory_lock(1668247667, 0)");
    }
    migration_lock(const migration_lock&) = delete;
    migration_lock& operator=(const migration_lock&) = delete;
    ~migration_lock() {
        if (c_.engine() != engine::postgresql) return;
        try {
            c_.exec("SELECT pg_advisory_unlock(1668247667, 0)");
        } catch (...) {} // the lock ends with the session anyway
    }

private:
    connection& c_;
};

} // namespace

migrate_outcome migrate(connection& c) {
    migration_lock lock(c);
    migrate_outcome out;
    out.from_version = out.to_version = schema_version(c);
    const int newest = migrations.back().version;
    if (out.from_version > newest)
        throw database_error(SQLITE_MISMATCH, "the database is at schema version " + std::to_string(out.from_version) +
                                                  ", newer than this copsched knows (" + std::to_string(newest) + ")");
    for (const auto& m : migrations) {
        if (m.version <= out.to_version) continue;
        transaction tx(c);
        c.exec(migration_text(m, c.engine()).c_str());
        c.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)")
            .bind_all(m.version, m.name, scheduler::now_utc())
            .run();
        tx.commit();
        out.to_version = m.version;
        ++out.applied;
    }
    return out;
}

} // namespace copsched::storage

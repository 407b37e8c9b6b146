#pragma once
// The storage contract the scheduler needs, as one interface per concern in
// scheduler/store/ (each header is that concern's contract; conventions.hpp holds what
// they share: threading, ownership, errors, pages and version checks). `store` is all of
// them together, what a store_executor job receives. Implementations live in storage/
// (SQLite today, one file per concern); a second one (PostgreSQL) can be added beside it
// without touching this folder, and built and tested one concern at a time. Code that
// needs one concern can take just its interface.
//
// Threading: a `store` is bound to one database connection and is only ever used by the
// thread that owns that connection. Callers reach it through a `store_executor`, which
// runs jobs on the right thread; nothing here blocks an HTTP I/O thread.

#include "scheduler/result.hpp"
#include "scheduler/store/attendance_store.hpp"
#include "scheduler/store/audit_store.hpp"
#include "scheduler/store/conventions.hpp"
#include "scheduler/store/event_store.hpp"
#include "scheduler/store/feed_store.hpp"
#include "scheduler/store/idempotency_store.hpp"
#include "scheduler/store/membership_request_store.hpp"
#include "scheduler/store/outbox_store.hpp"
#include "scheduler/store/planning_store.hpp"
#include "scheduler/store/programme_store.hpp"
#include "scheduler/store/reply_store.hpp"
#include "scheduler/store/token_store.hpp"

#include <cstddef>
#include <functional>

namespace copsched::scheduler {

class store : public programme_store,
              public event_store,
              public attendance_store,
              public feed_store,
              public planning_store,
              public outbox_store,
              public token_store,
              public idempotency_store,
              public audit_store,
              public reply_store,
              public membership_request_store {
public:
    // Succeeds when the database answers a trivial query. A property of the connection,
    // not of a concern, so it lives here.
    virtual status ping() = 0;
};

// Runs store jobs on database-owned threads.
//
// read(): the job runs on one of the reader threads with a read-only store.
// write(): `work` runs on the single writer thread inside its own savepoint; an error
//   result rolls back that job's changes only. Jobs waiting together are committed in
//   one transaction (group commit); `done` runs on the writer thread only after that
//   commit is durable, with the job's own result, or errc::unavailable if the commit
//   failed. Neither callback may block for long: they should post elsewhere.
class store_executor {
public:
    using read_job = std::function<void(store&)>;
    using write_work = std::function<status(store&)>;
    using write_done = std::function<void(const status&)>;

    virtual ~store_executor() = default;
    virtual void read(read_job job) = 0;
    virtual void write(write_work work, write_done done) = 0;
    // Jobs queued and not yet started, readers and writer together.
    virtual std::size_t queue_depth() const = 0;
};

} // namespace copsched::scheduler

// E-mail reminders end to end: the real copsched service, the real `copsched remind` job
// and a real SMTP server (tests/integration/smtp_sink.py, Debian's python3-aiosmtpd). The
// messages it received are read back by Python's email package and python3-icalendar
// (tests/integration/mail_summary.py): independent parsers, not ours.
#include "tests/support/harness.hpp"
#include "tests/support/python_tools.hpp" // smtp_sink, mail_summary

#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace copsched::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) { return std::string(v.at(key).as_string()); }

std::string at_hours(long hours) {
    const auto now = std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now());
    const std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::hours(hours));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// A child process with its stdout on a pipe; killed (SIGKILL) and reaped on destruction.
class child {
public:
    explicit child(const std::vector<std::string>& argv) {
        int out[2], in[2];
        if (pipe(out) != 0 || pipe(in) != 0) throw std::runtime_error("pipe");
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            close(out[0]);
            close(in[1]);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
        close(out[1]);
        close(in[0]);
        stdout_ = fdopen(out[0], "r");
        stdin_fd_ = in[1]; // kept open: the SMTP sink exits when it closes
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    ~child() {
        kill_now();
        if (stdout_) fclose(stdout_);
        if (stdin_fd_ >= 0) close(stdin_fd_);
    }
    // The next line of standard output, without its newline ("" at end of file).
    std::string line() {
        char buf[512];
        if (!fgets(buf, sizeof buf, stdout_)) return {};
        std::string s(buf);
        if (!s.empty() && s.back() == '\n') s.pop_back();
        return s;
    }
    void kill_now() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }
    // Waits for the exit; returns the exit code (128 + signal when killed).
    int wait() {
        int st = 0;
        waitpid(pid_, &st, 0);
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }

private:
    pid_t pid_ = -1;
    FILE* stdout_ = nullptr;
    int stdin_fd_ = -1;
};

const char* accept_all =
    R"("accept_conflicts":["members_busy","public_holiday","school_holiday","blackout","venue_capacity"])";

struct world {
    server_process s;
    std::string org;
    const std::string base = "/api/v1/programmes/mail";

    explicit world(std::vector<std::string> args = {"--mail-backoff", "1s", "--public-url", "http://cop.example.org"})
        : s(std::move(args)) {
        auto r = s.call("POST", "/api/v1/programmes", s.admin_token,
                        R"({"slug":"mail","name":"Green Deal Circulair Inkopen","timezone":"Europe/Amsterdam",)"
                        R"("language":"nl","starts_on":"2020-01-01","ends_on":"2099-12-31",)"
                        R"("mail":{"sender_name":"CoP Circulair","sender_email":"cop@example.org"}})");
        INFO(r.body);
        REQUIRE(r.status == 201);
        org = make(base + "/organisations", R"({"name":"Gemeente Utrecht","kind":"government","level":"starter"})");
    }
    std::string make(const std::string& path, const std::string& body) {
        auto r = s.call("POST", path, s.admin_token, body);
        INFO(path << " " << body << " -> " << r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), "id");
    }
    std::string person(const std::string& name, const std::string& email, const char* lang = "nl") {
        return make(base + "/people", R"({"name":")" + name + R"(","email":")" + email + R"(","organisation_id":")" +
                                          org + R"(","role":"buyer","language":")" + lang + "\"}");
    }
    std::string meeting(const std::string& title, long from_h, long to_h) {
        return make(base + "/events", R"({"kind":"cop_meeting","title":")" + title + R"(","start":")" +
                                          at_hours(from_h) + R"(","end":")" + at_hours(to_h) +
                                          R"(","online_url":"https://meet.example.org/cop",)" + accept_all + "}");
    }
    cli_result remind(const smtp_sink& sink, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"remind",   "--server",    "http://127.0.0.1:" + std::to_string(s.port),
                                      "--token",  s.admin_token, "--smtp",
                                      sink.url(), "--once"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_copsched(args);
    }
    std::map<std::string, long> counts() {
        auto r = s.call("GET", "/api/v1/reminders/summary", s.admin_token);
        REQUIRE(r.status == 200);
        std::map<std::string, long> out;
        const auto body = r.json();
        for (const auto& [k, v] : body.at("counts").as_object()) out[std::string(k)] = v.as_int64();
        return out;
    }
    // Runs SQL on the service's database file (the service keeps running: WAL).
    void sql(const std::string& statement) {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(s.database.c_str(), &db) == SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        char* err = nullptr;
        const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &err);
        INFO((err ? err : ""));
        sqlite3_free(err);
        sqlite3_close(db);
        REQUIRE(rc == SQLITE_OK);
    }
};

std::vector<json::object> of_kind(const json::array& all, const std::string& method_or_plain) {
    std::vector<json::object> out;
    for (const auto& m : all) {
        const auto& o = m.as_object();
        const bool plain = o.at("calendar").is_null();
        if (method_or_plain == "plain" ? plain : (!plain && str(o.at("calendar"), "method") == method_or_plain))
            out.push_back(o);
    }
    return out;
}

std::string rcpt(const json::object& m) {
    return std::string(m.at("envelope").at("rcpt_tos").as_array().at(0).as_string());
}

} // namespace

TEST_CASE("invitations, reschedules, reminders and cancellations arrive as the right e-mails", "[reminders]") {
    world w;
    smtp_sink sink;
    const auto anna = w.person("Anna de Vries", "anna@example.org", "nl");
    const auto bob = w.person("Bob Smith", "bob@example.org", "en");
    const auto ev = w.meeting("CoP-bijeenkomst voorjaar", 24 * 30, 24 * 30 + 3);

    // Invitations: iMIP REQUEST to each person, from the programme's sender.
    auto job = w.remind(sink);
    INFO(job.err);
    REQUIRE(job.exit_code == 0);
    auto all = mail_summary(sink.dir());
    REQUIRE(all.size() == 2);
    std::string uid;
    for (const auto& m : of_kind(all, "REQUEST")) {
        const auto& cal = m.at("calendar");
        CHECK(str(m, "content_type") == "multipart/alternative");
        bool has_plain = false, has_calendar = false;
        for (const auto& p : m.at("parts").as_array()) {
            if (str(p, "content_type") == "text/plain") has_plain = true;
            if (str(p, "content_type") == "text/calendar") {
                has_calendar = true;
                CHECK(str(p, "method") == "REQUEST"); // the MIME parameter matches the body's METHOD
            }
        }
        CHECK(has_plain);
        CHECK(has_calendar);
        CHECK(cal.at("sequence").as_int64() == 0);
        CHECK(str(cal, "organizer") == "mailto:cop@example.org");
        REQUIRE(cal.at("attendees").as_array().size() == 1);
        const auto& att = cal.at("attendees").as_array()[0];
        CHECK(str(att, "value") == "mailto:" + rcpt(m));
        // No mail.reply_address: no reply would be read, so the invitation asks for none
        // (RSVP=FALSE) and the text points to the signed link (tests/inbox: with one).
        CHECK(json::serialize(att.at("params")).find("FALSE") != std::string::npos);
        CHECK(json::serialize(m.at("header_names")).find("\"reply-to\"") == std::string::npos);
        CHECK(str(m.at("from"), "email") == "cop@example.org");
        CHECK(str(m.at("from"), "name") == "CoP Circulair");
        uid = str(cal, "uid");
        const auto subject = str(m, "subject");
        if (rcpt(m) == "anna@example.org")
            CHECK(subject.find("Uitnodiging: CoP-bijeenkomst voorjaar") == 0);
        else
            CHECK(subject.find("Invitation: CoP-bijeenkomst voorjaar") == 0);
        CHECK(str(m, "text").find("/rsvp/") != std::string::npos);
    }
    CHECK(of_kind(all, "REQUEST").size() == 2);
    CHECK(w.counts()["sent"] == 2);
    CHECK(w.counts()["pending"] == 4); // two reminders each, 7 days and 1 day before

    // Nothing is due: a second run sends nothing.
    REQUIRE(w.remind(sink).exit_code == 0);
    CHECK(mail_summary(sink.dir()).size() == 2);

    // Reschedule: an update (same UID, SEQUENCE 1) to both.
    auto r = w.s.call("PATCH", "/api/v1/events/" + ev, w.s.admin_token,
                      R"({"start":")" + at_hours(24 * 37) + R"(","end":")" + at_hours(24 * 37 + 3) + "\"}");
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(w.remind(sink).exit_code == 0);
    all = mail_summary(sink.dir());
    REQUIRE(all.size() == 4);
    for (std::size_t i = 2; i < 4; ++i) {
        const auto& m = all[i].as_object();
        REQUIRE(!m.at("calendar").is_null());
        CHECK(str(m.at("calendar"), "uid") == uid);
        CHECK(m.at("calendar").at("sequence").as_int64() == 1);
        CHECK(str(m.at("calendar"), "method") == "REQUEST");
        const auto subject = str(m, "subject");
        CHECK((subject.find("Gewijzigd:") == 0 || subject.find("Updated:") == 0));
    }

    // Bob declines; then the reminders fall due (moved to the past in the database, as if
    // the days had passed): a plain reminder to Anna only, with her RSVP link.
    r = w.s.call("PUT", "/api/v1/events/" + ev + "/attendance/" + bob, w.s.admin_token, R"({"rsvp":"declined"})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    w.sql("UPDATE reminders SET due_at = '2020-01-01T00:00:00Z' WHERE kind = 'reminder' AND state = 'pending' "
          "AND days_before = 7");
    REQUIRE(w.remind(sink).exit_code == 0);
    all = mail_summary(sink.dir());
    REQUIRE(all.size() == 5);
    const auto& reminder = all[4].as_object();
    CHECK(reminder.at("calendar").is_null());
    CHECK(str(reminder, "content_type") == "text/plain");
    CHECK(rcpt(reminder) == "anna@example.org");
    CHECK(str(reminder, "subject").find("Herinnering: CoP-bijeenkomst voorjaar over 7 dagen") == 0);
    const auto text = str(reminder, "text");
    CHECK(text.find("http://cop.example.org/rsvp/") != std::string::npos);
    CHECK(text.find("https://meet.example.org/cop") != std::string::npos);

    // Cancel: CANCEL with STATUS:CANCELLED and a higher SEQUENCE to both (Bob declined but
    // has the event in his calendar); Anna's remaining reminder is dropped.
    r = w.s.call("POST", "/api/v1/events/" + ev + "/cancel", w.s.admin_token, R"({"reason":"Te weinig aanmeldingen"})");
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(w.remind(sink).exit_code == 0);
    all = mail_summary(sink.dir());
    REQUIRE(all.size() == 7);
    auto cancels = of_kind(all, "CANCEL");
    REQUIRE(cancels.size() == 2);
    std::set<std::string> to;
    for (const auto& m : cancels) {
        to.insert(rcpt(m));
        CHECK(str(m.at("calendar"), "status") == "CANCELLED");
        CHECK(str(m.at("calendar"), "uid") == uid);
        CHECK(m.at("calendar").at("sequence").as_int64() >= 2);
        for (const auto& p : m.at("parts").as_array())
            if (str(p, "content_type") == "text/calendar") CHECK(str(p, "method") == "CANCEL");
        CHECK(str(m, "text").find("/rsvp/") == std::string::npos);
    }
    CHECK(to == std::set<std::string>{"anna@example.org", "bob@example.org"});
    const auto c = w.counts();
    CHECK(c.at("pending") == 0);
    CHECK(c.at("sent") == 7);

    // Every message has its own Message-ID, the one the service recorded.
    std::set<std::string> ids;
    auto listed = w.s.call("GET", "/api/v1/reminders?state=sent&limit=200", w.s.admin_token);
    REQUIRE(listed.status == 200);
    const auto lb = listed.json();
    for (const auto& m : lb.at("items").as_array()) ids.insert(str(m, "message_id"));
    CHECK(ids.size() == 7);
    for (const auto& m : all) {
        std::string mid;
        for (const auto& h : m.at("headers").as_array())
            if (h.as_array()[0].as_string() == "Message-ID") mid = std::string(h.as_array()[1].as_string());
        CHECK(ids.count(mid) == 1);
    }
}

TEST_CASE("a 4xx reply is retried after the back-off and a 5xx makes the message dead until an admin retries it",
          "[reminders]") {
    world w;
    w.person("Anna", "anna@example.org");
    w.person("Nobody", "reject-me@example.org");
    w.meeting("Bijeenkomst", 24 * 30, 24 * 30 + 3);

    smtp_sink sink({"--temp-fail", "1", "--reject", "reject-me"});
    REQUIRE(w.remind(sink).exit_code == 0);
    auto c = w.counts();
    CHECK(c["dead"] == 1);
    CHECK(c["sent"] + c["failed"] == 1);

    auto dead = w.s.call("GET", "/api/v1/reminders?state=dead", w.s.admin_token);
    REQUIRE(dead.status == 200);
    const auto db = dead.json();
    REQUIRE(db.at("items").as_array().size() == 1);
    const auto dead_id = str(db.at("items").as_array()[0], "id");
    CHECK(str(db.at("items").as_array()[0], "last_error").find("550") != std::string::npos);

    // The temporary failure is due again after the back-off (1 s here), and goes out.
    for (int i = 0; i < 20 && w.counts()["sent"] < 1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        REQUIRE(w.remind(sink).exit_code == 0);
    }
    CHECK(w.counts()["sent"] == 1);
    auto got = mail_summary(sink.dir());
    REQUIRE(got.size() == 1);
    CHECK(rcpt(got[0].as_object()) == "anna@example.org");

    // Retry the dead one: pending again, and dead again on the same 550.
    auto retried = w.s.call("POST", "/api/v1/reminders/" + dead_id + "/retry", w.s.admin_token);
    INFO(retried.body);
    REQUIRE(retried.status == 200);
    CHECK(str(retried.json(), "state") == "pending");
    REQUIRE(w.remind(sink).exit_code == 0);
    CHECK(w.counts()["dead"] == 1);
    // Participants and strangers cannot touch the outbox.
    auto denied = w.s.call("POST", "/api/v1/reminders/claim", "cps_not_a_token", "{}");
    CHECK(denied.status == 401);
}

TEST_CASE("two jobs claiming at once never send the same message", "[reminders]") {
    world w;
    for (int i = 0; i < 40; ++i) w.person("P" + std::to_string(i), "p" + std::to_string(i) + "@example.org");
    w.meeting("Drukke bijeenkomst", 24 * 30, 24 * 30 + 3);
    smtp_sink sink;
    const std::string server = "http://127.0.0.1:" + std::to_string(w.s.port);
    auto job = [&] {
        return std::make_unique<child>(std::vector<std::string>{COPSCHED_BINARY, "remind", "--server", server,
                                                                "--token", w.s.admin_token, "--smtp", sink.url(),
                                                                "--once", "--limit", "3"});
    };
    auto a = job();
    auto b = job();
    CHECK(a->wait() == 0);
    CHECK(b->wait() == 0);
    auto got = mail_summary(sink.dir());
    CHECK(got.size() == 40);
    std::set<std::string> recipients, ids;
    for (const auto& m : got) {
        recipients.insert(rcpt(m.as_object()));
        for (const auto& h : m.at("headers").as_array())
            if (h.as_array()[0].as_string() == "Message-ID") ids.insert(std::string(h.as_array()[1].as_string()));
    }
    CHECK(recipients.size() == 40);
    CHECK(ids.size() == 40);
    CHECK(w.counts()["sent"] == 40);
}

TEST_CASE("a job killed between claim and send loses nothing: the message goes out once the lease expires",
          "[reminders]") {
    world w;
    w.person("Anna", "anna@example.org");
    w.person("Bram", "bram@example.org");
    w.meeting("Bijeenkomst", 24 * 30, 24 * 30 + 3);

    // An SMTP server that accepts the connection and never answers: the job has claimed
    // and hangs before sending.
    child silent({python, "-c",
                  "import socket,time\n"
                  "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen()\n"
                  "print('PORT', s.getsockname()[1], flush=True)\n"
                  "c=s.accept(); time.sleep(120)\n"});
    const auto l = silent.line();
    REQUIRE(l.rfind("PORT ", 0) == 0);
    const std::string server = "http://127.0.0.1:" + std::to_string(w.s.port);
    child stuck({COPSCHED_BINARY, "remind", "--server", server, "--token", w.s.admin_token, "--smtp",
                 "smtp://127.0.0.1:" + l.substr(5), "--once", "--lease", "10s"});
    for (int i = 0; i < 100 && w.counts()["leased"] < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(w.counts()["leased"] == 2);
    stuck.kill_now(); // SIGKILL, mid-round

    smtp_sink sink;
    REQUIRE(w.remind(sink).exit_code == 0);
    CHECK(mail_summary(sink.dir()).empty()); // still leased to the dead job

    std::this_thread::sleep_for(std::chrono::seconds(11));
    REQUIRE(w.remind(sink).exit_code == 0);
    auto got = mail_summary(sink.dir());
    REQUIRE(got.size() == 2);
    std::set<std::string> to;
    for (const auto& m : got) to.insert(rcpt(m.as_object()));
    CHECK(to == std::set<std::string>{"anna@example.org", "bram@example.org"});
    CHECK(w.counts()["sent"] == 2);
    CHECK(w.counts()["leased"] == 0);
}

TEST_CASE("names and titles with CR/LF add no header and no recipient", "[reminders]") {
    world w;
    // The API refuses control characters in names outright...
    auto refused =
        w.s.call("POST", w.base + "/people", w.s.admin_token,
                 R"({"name":"Eve\r\nBcc: victim@example.org","email":"eve@example.org","organisation_id":")" + w.org +
                     R"(","role":"buyer"})");
    CHECK(refused.status == 422);
    CHECK(refused.body.find("\"name\"") != std::string::npos);

    // ...so put them in the database directly, as data from elsewhere might, with
    // Unicode line separators and non-ASCII besides.
    const auto eve = w.person("Eve", "eve@example.org");
    const auto ev = w.meeting("Bijeenkomst", 24 * 30, 24 * 30 + 3);
    w.sql("UPDATE people SET name = 'Eve' || char(13, 10) || 'Bcc: victim@example.org' || char(8232) || 'Bcc: x@y.z ü' "
          "WHERE id = '" +
          eve + "'");
    w.sql("UPDATE events SET title = 'Sessie' || char(13, 10) || 'X-Injected: yes' || char(10) || 'Bcc: "
          "victim@example.org é' WHERE id = '" +
          ev + "'");
    w.sql("UPDATE programmes SET name = 'Prog' || char(13) || 'Reply-To: evil@example.org' WHERE slug = 'mail'");
    w.sql("UPDATE programmes SET mail = json_set(mail, '$.sender_name', 'CoP' || char(10) || 'Cc: evil@example.org') "
          "WHERE slug = 'mail'");

    smtp_sink sink;
    REQUIRE(w.remind(sink).exit_code == 0);
    auto got = mail_summary(sink.dir());
    REQUIRE(got.size() == 1);
    const auto& m = got[0].as_object();
    std::set<std::string> names;
    for (const auto& n : m.at("header_names").as_array()) names.insert(std::string(n.as_string()));
    CHECK(names.count("bcc") == 0);
    CHECK(names.count("cc") == 0);
    CHECK(names.count("reply-to") == 0);
    CHECK(names.count("x-injected") == 0);
    CHECK(m.at("envelope").at("rcpt_tos").as_array().size() == 1);
    CHECK(rcpt(m) == "eve@example.org");
    CHECK(!m.at("bare_lf").as_bool());
    CHECK(m.at("max_line_length").as_int64() <= 998);
    CHECK(m.at("defects").as_array().empty());
    const auto subject = str(m, "subject");
    CHECK(subject.find('\n') == std::string::npos);
    CHECK(subject.find('\r') == std::string::npos);
    CHECK(subject.find("Sessie") != std::string::npos);
    CHECK(subject.find("é") != std::string::npos); // decoded from RFC 2047
    CHECK(str(m.at("to"), "email") == "eve@example.org");
    // The calendar part parses with one ATTENDEE.
    REQUIRE(!m.at("calendar").is_null());
    CHECK(m.at("calendar").at("attendees").as_array().size() == 1);
}

TEST_CASE("mail settings and a participant's opt-out decide which reminders are queued and bad settings name the field",
          "[reminders]") {
    world w;
    const auto anna = w.person("Anna", "anna@example.org");
    auto tok = w.s.call("POST", "/api/v1/tokens", w.s.admin_token,
                        R"({"name":"anna","role":"participant","programme":"mail","person_id":")" + anna + "\"}");
    REQUIRE(tok.status == 201);
    const auto participant = str(tok.json(), "token");

    auto opt = w.s.call("PUT", "/api/v1/me/reminders", participant, R"({"opt_out":true})");
    INFO(opt.body);
    REQUIRE(opt.status == 200);
    CHECK(opt.json().at("opt_out").as_bool());
    CHECK(w.s.call("PUT", "/api/v1/me/reminders", w.s.admin_token, R"({"opt_out":true})").status == 403);
    CHECK(w.s.call("PUT", "/api/v1/me/reminders", participant, R"({"opt_out":"yes"})").status == 422);

    const auto ev = w.meeting("Bijeenkomst", 24 * 30, 24 * 30 + 3);
    auto pending = [&](const char* kind) {
        auto r = w.s.call("GET", "/api/v1/reminders?state=pending&event_id=" + ev, w.s.admin_token);
        REQUIRE(r.status == 200);
        const auto body = r.json();
        int n = 0;
        for (const auto& m : body.at("items").as_array())
            if (str(m, "kind") == kind) ++n;
        return n;
    };
    CHECK(pending("invitation") == 1);
    CHECK(pending("reminder") == 0); // opted out

    // Back in, with one reminder 3 days before for CoP meetings.
    REQUIRE(w.s.call("PUT", "/api/v1/me/reminders", participant, R"({"opt_out":false})").status == 200);
    auto patch = w.s.call("PATCH", w.base, w.s.admin_token,
                          R"({"mail":{"reminder_days":{"cop_meeting":[3]},"reminder_time":"08:30"}})");
    INFO(patch.body);
    REQUIRE(patch.status == 200);
    CHECK(json::serialize(patch.json().at("mail").at("reminder_days").at("cop_meeting")) == "[3]");
    CHECK(pending("reminder") == 1);
    const auto listed = w.s.call("GET", "/api/v1/reminders?state=pending&event_id=" + ev, w.s.admin_token).json();
    for (const auto& m : listed.at("items").as_array())
        if (str(m, "kind") == "reminder") {
            CHECK(m.at("days_before").as_int64() == 3);
            // 08:30 in Amsterdam is 07:30 or 06:30 UTC.
            const auto due = str(m, "due_at");
            CHECK((due.substr(11) == "07:30:00Z" || due.substr(11) == "06:30:00Z"));
        }

    // Bad settings: 422 naming the field, nothing stored.
    for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
             {R"({"mail":{"reminder_days":{"cop_meeting":[61]}}})", "mail.reminder_days.cop_meeting"},
             {R"({"mail":{"reminder_days":{"cop_meeting":[1,1]}}})", "mail.reminder_days.cop_meeting"},
             {R"({"mail":{"reminder_time":"25:00"}})", "mail.reminder_time"},
             {R"({"mail":{"sender_email":"not an address"}})", "mail.sender_email"},
             {R"({"mail":{"colour":"red"}})", "mail.colour"}}) {
        auto r = w.s.call("PATCH", w.base, w.s.admin_token, body);
        INFO(body << " -> " << r.body);
        CHECK(r.status == 422);
        CHECK(r.body.find("\"" + field + "\"") != std::string::npos);
    }
    CHECK(pending("reminder") == 1);

    // Mail off: every unsent message of the programme is dropped.
    REQUIRE(w.s.call("PATCH", w.base, w.s.admin_token, R"({"mail":{"enabled":false}})").status == 200);
    CHECK(pending("invitation") == 0);
    CHECK(pending("reminder") == 0);
    CHECK(w.counts()["dropped"] >= 2);
}

#include "scheduler/replies.hpp"

#include "scheduler/enum_names.hpp"

#include <array>
#include <utility>

namespace copsched::scheduler {
namespace {

using detail::name_table;

constexpr name_table<reply_state, 2> reply_states{{
    {reply_state::applied, "applied"},
    {reply_state::refused, "refused"},
}};
constexpr name_table<reply_reason, 13> reply_reasons{{
    {reply_reason::none, "none"},
    {reply_reason::malformed, "malformed"},
    {reply_reason::not_a_reply, "not_a_reply"},
    {reply_reason::counter, "counter"},
    {reply_reason::unknown_event, "unknown_event"},
    {reply_reason::not_invited, "not_invited"},
    {reply_reason::forged_tag, "forged_tag"},
    {reply_reason::delegation, "delegation"},
    {reply_reason::no_answer, "no_answer"},
    {reply_reason::event_cancelled, "event_cancelled"},
    {reply_reason::event_started, "event_started"},
    {reply_reason::event_ended, "event_ended"},
    {reply_reason::stale_sequence, "stale_sequence"},
}};

} // namespace

COPSCHED_ENUM_NAMES(reply_state, reply_states)
COPSCHED_ENUM_NAMES(reply_reason, reply_reasons)
#undef COPSCHED_ENUM_NAMES

std::string describe(reply_reason r) {
    switch (r) {
    case reply_reason::none: return "The answer was stored.";
    case reply_reason::malformed:
        return "The reply holds no readable iCalendar object with one VEVENT, a UID and one ATTENDEE.";
    case reply_reason::not_a_reply: return "The iCalendar object is not a METHOD:REPLY.";
    case reply_reason::counter:
        return "A counter-proposal (METHOD:COUNTER) is not taken; the organiser may reschedule the event.";
    case reply_reason::unknown_event: return "The UID names no event of this service (or of the caller's programme).";
    case reply_reason::not_invited: return "The ATTENDEE address is no person invited to the event.";
    case reply_reason::forged_tag:
        return "The recipient address carries no tag, or one that was not made for this event and attendee.";
    case reply_reason::delegation: return "Delegation (PARTSTAT=DELEGATED or DELEGATED-TO) is not supported.";
    case reply_reason::no_answer: return "PARTSTAT is not ACCEPTED, TENTATIVE or DECLINED.";
    case reply_reason::event_cancelled: return "The event was cancelled.";
    case reply_reason::event_started: return "The event has started; answers are closed.";
    case reply_reason::event_ended: return "The event has ended.";
    case reply_reason::stale_sequence: return "The reply answers an older version of the invitation (SEQUENCE).";
    }
    return "Refused.";
}

std::optional<rsvp_answer> rsvp_of_partstat(std::string_view partstat) noexcept {
    if (partstat == "ACCEPTED") return rsvp_answer::accepted;
    if (partstat == "TENTATIVE") return rsvp_answer::tentative;
    if (partstat == "DECLINED") return rsvp_answer::declined;
    return std::nullopt;
}

reply_reason decide_reply(const reply_facts& f) {
    if (!f.invited) return reply_reason::not_invited;
    if (!f.tag_matches) return reply_reason::forged_tag;
    const auto& r = *f.reply;
    if (r.delegated) return reply_reason::delegation;
    if (!rsvp_of_partstat(r.partstat)) return reply_reason::no_answer;
    const auto& e = *f.ev;
    if (e.status == event_status::cancelled) return reply_reason::event_cancelled;
    if (e.end_utc <= f.now_utc) return reply_reason::event_ended;
    if (e.start_utc <= f.now_utc) return reply_reason::event_started;
    if (r.sequence < e.sequence) return reply_reason::stale_sequence;
    return reply_reason::none;
}

namespace {
// The bare address of "Name <a@b>" or "<a@b>" or "a@b".
std::string_view bare_address(std::string_view a) {
    if (const auto open = a.rfind('<'); open != std::string_view::npos) {
        const auto close = a.find('>', open);
        a = a.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
    }
    while (!a.empty() && (a.front() == ' ' || a.front() == '\t')) a.remove_prefix(1);
    while (!a.empty() && (a.back() == ' ' || a.back() == '\t')) a.remove_suffix(1);
    if (a.size() > 7 && (a.substr(0, 7) == "mailto:" || a.substr(0, 7) == "MAILTO:")) a.remove_prefix(7);
    return a;
}
} // namespace

std::string reply_tag_of(std::string_view address) {
    const auto a = bare_address(address);
    const auto at = a.rfind('@');
    if (at == std::string_view::npos) return {};
    const auto plus = a.substr(0, at).find('+');
    if (plus == std::string_view::npos) return {};
    return std::string(a.substr(plus + 1, at - plus - 1));
}

std::string tagged_address(std::string_view reply_address, std::string_view tag) {
    const auto at = reply_address.rfind('@');
    if (at == std::string_view::npos) return std::string(reply_address);
    std::string out(reply_address.substr(0, at));
    out += '+';
    out += tag;
    out += reply_address.substr(at);
    return out;
}

} // namespace copsched::scheduler

#pragma once
// The programme data a store keeps: programmes, organisations, people, working groups and
// their memberships, venues, and the demo programme's seed. SQLite:
// storage/programme_data.cpp.
// Threading and ownership: called only by the thread that owns the store's connection
// (store_executor runs the jobs there); arguments are only read during the call, answers
// belong to the caller. The errors every method may give: scheduler/store/conventions.hpp.
//
// Contract for every create/update below: ids, version and timestamps in the argument
// are ignored on create (the store assigns them) and the stored value is returned.
// Uniqueness violations (programme slug, organisation name, person e-mail, working group
// slug, all within their programme) give errc::conflict with a detail naming the field.
// get_* give errc::not_found for an unknown id. update_* and delete_* give
// errc::not_found for an unknown id and errc::precondition_failed when `expected` is set
// and differs from the stored version; update_* increment the version. delete_* give
// errc::conflict (detail says what still refers to it and to archive instead) when
// history refers to the object.
// Objects are looked up by id alone: the caller checks that the object's programme_id is
// one the caller may see.

#include "scheduler/demo.hpp"
#include "scheduler/model.hpp"
#include "scheduler/result.hpp"
#include "scheduler/store/conventions.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace copsched::scheduler {

struct organisation_filter {
    std::optional<organisation_kind> kind;
    std::optional<organisation_level> level;
};

struct person_filter {
    std::optional<std::string> organisation_id;
    std::optional<person_role> role;
    std::optional<std::string> email;
};

struct working_group_filter {
    bool include_archived = false;
};

class programme_store {
public:
    virtual ~programme_store() = default;

    // --- programmes ------------------------------------------------------------------------
    // Every programme, ordered by slug.
    virtual result<std::vector<programme>> list_programmes() = 0;
    // errc::not_found when no programme has this slug.
    virtual result<programme> get_programme(const std::string& slug) = 0;
    virtual result<std::size_t> count_programmes() = 0;
    virtual result<programme> create_programme(const programme& p, const std::string& now) = 0;
    virtual result<programme> get_programme_by_id(const std::string& id) = 0;
    virtual result<programme> update_programme(const programme& p, expected_version expected,
                                               const std::string& now) = 0;
    // Seeds the demo programme; returns false (and writes nothing) when a programme with
    // the demo's slug already exists.
    virtual result<bool> seed_demo(const demo_data& demo, const std::string& now) = 0;

    // --- organisations -----------------------------------------------------------------------
    virtual result<organisation> create_organisation(const organisation& o, const std::string& now) = 0;
    virtual result<organisation> get_organisation(const std::string& id) = 0;
    virtual result<page<organisation>> list_organisations(const std::string& programme_id, const organisation_filter& f,
                                                          const page_request& pr) = 0;
    virtual result<organisation> update_organisation(const organisation& o, expected_version expected,
                                                     const std::string& now) = 0;
    // Refused while people belong to it.
    virtual status delete_organisation(const std::string& id, expected_version expected) = 0;

    // --- people ------------------------------------------------------------------------------
    // create/update: errc::invalid_input (field "organisation_id") when the organisation
    // is not in the person's programme.
    virtual result<person> create_person(const person& p, const std::string& now) = 0;
    virtual result<person> get_person(const std::string& id) = 0;
    virtual result<page<person>> list_people(const std::string& programme_id, const person_filter& f,
                                             const page_request& pr) = 0;
    virtual result<person> update_person(const person& p, expected_version expected, const std::string& now) = 0;
    // Refused while memberships, attendance records or tokens refer to the person.
    virtual status delete_person(const std::string& id, expected_version expected) = 0;

    // --- working groups ----------------------------------------------------------------------
    virtual result<working_group> create_working_group(const working_group& g, const std::string& now) = 0;
    virtual result<working_group> get_working_group(const std::string& id) = 0;
    virtual result<page<working_group>> list_working_groups(const std::string& programme_id,
                                                            const working_group_filter& f, const page_request& pr) = 0;
    virtual result<working_group> update_working_group(const working_group& g, expected_version expected,
                                                       const std::string& now) = 0;
    // Sets archived_at (keeps the first archival time); bumps the version.
    virtual result<working_group> archive_working_group(const std::string& id, expected_version expected,
                                                        const std::string& now) = 0;
    // Refused while memberships, events or tokens refer to the group.
    virtual status delete_working_group(const std::string& id, expected_version expected) = 0;

    // --- memberships -------------------------------------------------------------------------
    // errc::invalid_input (field "person_id") when the person is not in the group's
    // programme; (field "until") when until < from; errc::conflict when the person
    // already has a membership of this group overlapping [from, until].
    virtual result<membership> create_membership(const membership& m, const std::string& now) = 0;
    // Ordered by person id, then from.
    virtual result<std::vector<membership>> list_memberships(const std::string& working_group_id) = 0;
    // not_found for an unknown id.
    virtual result<membership> get_membership(const std::string& id) = 0;
    // Stores m.role and m.until (the other fields are fixed): errc::invalid_input (field
    // "until") when until < from, errc::conflict when the new span overlaps another
    // membership of the same person in the same group; not_found for an unknown id.
    virtual result<membership> update_membership(const membership& m, const std::string& now) = 0;

    // --- venues ------------------------------------------------------------------------------
    virtual result<venue> create_venue(const venue& v, const std::string& now) = 0;
    virtual result<venue> get_venue(const std::string& id) = 0;
    virtual result<page<venue>> list_venues(const std::string& programme_id, const page_request& pr) = 0;
    virtual result<venue> update_venue(const venue& v, expected_version expected, const std::string& now) = 0;
    // Refused while events refer to the venue.
    virtual status delete_venue(const std::string& id, expected_version expected) = 0;
};

} // namespace copsched::scheduler

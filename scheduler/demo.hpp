#pragma once
// The demo programme seeded by `copsched seed-demo` and by deploy/run on an empty
// database: "Green Deal Circulair Inkopen 2.0". Every organisation and person in it is
// invented; e-mail addresses use the reserved example.org domain.

#include "scheduler/model.hpp"

#include <string>
#include <vector>

namespace copsched::scheduler {

struct demo_person {
    std::string name;
    std::string email;
    person_role role = person_role::other;
    language lang = language::nl;
    std::vector<std::string> working_groups; // slugs of demo_programme::working_groups
    membership_role group_role = membership_role::member;
};

struct demo_organisation {
    std::string name;
    organisation_kind kind = organisation_kind::government;
    organisation_level level = organisation_level::starter;
    std::vector<demo_person> people;
};

struct demo_data {
    programme prog; // ids empty: the store assigns them
    std::vector<working_group> working_groups;
    std::vector<demo_organisation> organisations;
    venue signing_venue;
    event signing_ceremony; // times local and UTC filled in
};

// Constant data, built once; safe to call from any thread.
const demo_data& demo_programme();

} // namespace copsched::scheduler

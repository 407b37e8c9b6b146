#include "scheduler/demo.hpp"

#include <string>
#include <utility>
#include <vector>

// Every organisation, person, place name and address below is invented. E-mail
// addresses use the reserved example.org domain, so nothing here can reach a real inbox.

namespace copsched::scheduler {
namespace {

working_group make_group(std::string slug, std::string name, std::string description) {
    working_group g;
    g.slug = std::move(slug);
    g.name = std::move(name);
    g.description = std::move(description);
    return g;
}

// `email_local` is the part before the '@'; make_organisation adds the domain.
demo_person member(std::string name, std::string email_local, person_role role, std::vector<std::string> groups,
                   language lang = language::nl) {
    demo_person p;
    p.name = std::move(name);
    p.email = std::move(email_local);
    p.role = role;
    p.lang = lang;
    p.working_groups = std::move(groups);
    p.group_role = membership_role::member;
    return p;
}

// Chairs the first group in `groups`.
demo_person chair(std::string name, std::string email_local, person_role role, std::vector<std::string> groups,
                  language lang = language::nl) {
    demo_person p = member(std::move(name), std::move(email_local), role, std::move(groups), lang);
    p.group_role = membership_role::chair;
    return p;
}

demo_organisation make_organisation(std::string name, const std::string& email_slug, organisation_kind kind,
                                    organisation_level level, std::vector<demo_person> people) {
    demo_organisation o;
    o.name = std::move(name);
    o.kind = kind;
    o.level = level;
    o.people = std::move(people);
    for (auto& p : o.people) p.email += "@" + email_slug + ".example.org";
    return o;
}

programme make_programme() {
    programme p;
    p.slug = "gdci-2";
    p.name = "Green Deal Circulair Inkopen 2.0";
    p.timezone = "Europe/Amsterdam";
    p.lang = language::nl;
    p.starts_on = "2018-06-07";
    p.ends_on = "2026-12-31";
    p.rules = meeting_rules{};
    // No CoP meeting in the school holidays of any region (the default for a Dutch
    // programme, set here so that the demo shows it).
    p.rules.school_holiday_regions = std::vector<std::string>{"noord", "midden", "zuid"};
    p.rules.school_holidays = school_holiday_mode::avoid;
    p.holidays.country = "NL";
    p.feeds_public = true;
    return p;
}

std::vector<working_group> make_working_groups() {
    return {
        make_group("bouw", "Bouw",
                   "Circulair inkopen van nieuwbouw, renovatie en onderhoud van gebouwen, van "
                   "materialenpaspoort tot hergebruik van bouwdelen."),
        make_group("disposables", "Disposables",
                   "Minder wegwerpartikelen en meer herbruikbare alternatieven in catering, "
                   "schoonmaak en kantoorartikelen."),
        make_group("ict", "ICT",
                   "Circulair inkopen van ICT-hardware: langer gebruik, refurbished apparatuur "
                   "en verantwoorde terugname aan het einde van de levensduur."),
        make_group("interieur", "Interieur",
                   "Circulair inkopen van kantoormeubilair en interieur door hergebruik, revisie "
                   "en de inzet van gerecyclede materialen."),
        make_group("intern-draagvlak", "Intern draagvlak",
                   "Draagvlak voor circulair inkopen opbouwen binnen de eigen organisatie, van "
                   "bestuurder tot budgethouder."),
        make_group("ketensamenwerking", "Ketensamenwerking",
                   "Opdrachtgevers en leveranciers werken samen in de keten om circulaire "
                   "oplossingen te ontwikkelen en in te kopen."),
        make_group("infra-gww", "Infra/GWW",
                   "Circulair aanbesteden in de grond-, weg- en waterbouw, met hergebruik van "
                   "materialen in wegen, dijken en kunstwerken."),
        make_group("monitoring", "Monitoring",
                   "Het meten en rapporteren van de circulaire resultaten van inkooptrajecten "
                   "binnen de Green Deal."),
    };
}

std::vector<demo_organisation> make_organisations() {
    // clang-format off: a data table, laid out by hand
    using k = organisation_kind;
    using l = organisation_level;
    using r = person_role;
    const auto en = language::en;

    std::vector<demo_organisation> orgs;

    // --- Government (9) ---
    orgs.push_back(
        make_organisation("Gemeente Veenhoven", "veenhoven", k::government, l::advanced,
                          {
                              chair("Anouk van 't Hoff", "anouk.vanthoff", r::sustainability_coordinator,
                                    {"intern-draagvlak", "monitoring"}),
                              member("Pieter Kampstra", "pieter.kampstra", r::buyer, {"bouw", "interieur"}),
                              member("Femke Oosterbroek", "femke.oosterbroek", r::budget_holder, {"intern-draagvlak"}),
                          }));
    orgs.push_back(make_organisation("Gemeente Oosterkamp", "oosterkamp", k::government, l::starter,
                                     {
                                         member("Ruud Brinkhorst", "ruud.brinkhorst", r::buyer, {"ict", "disposables"}),
                                         member("Lotte Veldkamp", "lotte.veldkamp", r::project_leader, {"bouw"}),
                                     }));
    orgs.push_back(make_organisation(
        "Gemeente Lindewoude", "lindewoude", k::government, l::starter,
        {
            chair("Sjoerd Bökkerink", "sjoerd.bokkerink", r::buyer, {"interieur", "disposables"}),
            member("Iris Mulderij", "iris.mulderij", r::sustainability_coordinator, {"monitoring", "intern-draagvlak"}),
            member("Kees Dorrestein", "kees.dorrestein", r::other, {"ketensamenwerking"}),
        }));
    orgs.push_back(make_organisation(
        "Provincie Zuidwaard", "zuidwaard", k::government, l::advanced,
        {
            chair("Marjolein Teunissen", "marjolein.teunissen", r::project_leader, {"infra-gww", "bouw"}),
            member("Bas Wolterink", "bas.wolterink", r::buyer, {"infra-gww", "ketensamenwerking"}),
            member("Hanneke de Graaf-Boon", "hanneke.degraafboon", r::budget_holder, {"monitoring"}),
            member("Emily Carter", "emily.carter", r::sustainability_coordinator, {"intern-draagvlak", "monitoring"},
                   en),
        }));
    orgs.push_back(make_organisation(
        "Provincie Noordermeer", "noordermeer", k::government, l::starter,
        {
            member("Joost Ravensberg", "joost.ravensberg", r::buyer, {"infra-gww"}),
            chair("Zoë de Wit", "zoe.dewit", r::sustainability_coordinator, {"disposables", "intern-draagvlak"}),
        }));
    orgs.push_back(make_organisation(
        "Waterschap De Lage Landen", "delagelanden", k::government, l::advanced,
        {
            member("Gerrit Slootmaker", "gerrit.slootmaker", r::project_leader, {"infra-gww", "bouw"}),
            member("Mirjam Bleeker", "mirjam.bleeker", r::buyer, {"ict"}),
            chair("Thijs van Rietveld", "thijs.vanrietveld", r::budget_holder, {"monitoring"}),
        }));
    orgs.push_back(make_organisation("Rijksdienst voor Duurzame Bedrijfsvoering", "rdb", k::government, l::advanced,
                                     {
                                         chair("Esther Lindhout", "esther.lindhout", r::buyer, {"ict", "interieur"}),
                                         member("Wouter Schreuder", "wouter.schreuder", r::sustainability_coordinator,
                                                {"ketensamenwerking", "monitoring"}),
                                         member("Noor El Idrissi", "noor.elidrissi", r::project_leader, {"ict"}),
                                     }));
    orgs.push_back(
        make_organisation("Gemeente Brakelhaven", "brakelhaven", k::government, l::starter,
                          {
                              member("Daan Hofstede", "daan.hofstede", r::buyer, {"disposables", "interieur"}),
                              member("Sanne Klaassens", "sanne.klaassens", r::other, {"intern-draagvlak"}),
                          }));
    orgs.push_back(make_organisation("Veiligheidsregio Heuvelrand-Oost", "heuvelrandoost", k::government, l::starter,
                                     {
                                         member("Martijn Reitsma", "martijn.reitsma", r::buyer, {"ict", "disposables"}),
                                         member("Yvonne Terpstra", "yvonne.terpstra", r::budget_holder, {"interieur"}),
                                     }));

    // --- Companies (7) ---
    orgs.push_back(make_organisation(
        "Bouwbedrijf Klinkerhof BV", "klinkerhof", k::company, l::advanced,
        {
            chair("Henk Klinkerhof", "henk.klinkerhof", r::project_leader, {"bouw", "ketensamenwerking"}),
            member("Marloes ter Brugge", "marloes.terbrugge", r::sustainability_coordinator, {"bouw"}),
            member("James Whitfield", "james.whitfield", r::other, {"ketensamenwerking", "infra-gww"}, en),
        }));
    orgs.push_back(
        make_organisation("Meubelmakerij De Eikentak BV", "eikentak", k::company, l::advanced,
                          {
                              member("Rik Smeding", "rik.smeding", r::project_leader, {"interieur"}),
                              member("Ilse Timmerije", "ilse.timmerije", r::other, {"interieur", "ketensamenwerking"}),
                          }));
    orgs.push_back(make_organisation("Tweedeleven ICT BV", "tweedeleven", k::company, l::starter,
                                     {
                                         member("Jeroen Achterberg", "jeroen.achterberg", r::project_leader, {"ict"}),
                                         member("Fleur Doornbos", "fleur.doornbos", r::other, {"ict", "monitoring"}),
                                     }));
    orgs.push_back(make_organisation("Schoonmaakgroep Frisweide BV", "frisweide", k::company, l::starter,
                                     {
                                         member("Ahmet Yıldırım", "ahmet.yildirim", r::project_leader, {"disposables"}),
                                         member("Petra Zandbergen", "petra.zandbergen", r::sustainability_coordinator,
                                                {"disposables", "ketensamenwerking"}),
                                     }));
    orgs.push_back(make_organisation(
        "Wegenbouw Grintdijk BV", "grintdijk", k::company, l::advanced,
        {
            member("Arjen Grintdijk", "arjen.grintdijk", r::project_leader, {"infra-gww"}),
            member("Saskia Molenkamp", "saskia.molenkamp", r::sustainability_coordinator, {"infra-gww", "monitoring"}),
            member("Tom Beerens", "tom.beerens", r::budget_holder, {"bouw"}),
        }));
    orgs.push_back(make_organisation(
        "Cateraar Smaakveld BV", "smaakveld", k::company, l::starter,
        {
            member("Linda Verhoef-Ammerlaan", "linda.verhoefammerlaan", r::other, {"disposables"}),
            member("Mehmet Koç", "mehmet.koc", r::project_leader, {"disposables", "ketensamenwerking"}),
        }));
    orgs.push_back(
        make_organisation("Textielhuis Vezelrijk BV", "vezelrijk", k::company, l::starter,
                          {
                              member("Annemiek Spanjaard", "annemiek.spanjaard", r::sustainability_coordinator,
                                     {"interieur", "ketensamenwerking"}),
                              member("Robbert Kwakernaak", "robbert.kwakernaak", r::other, {"ketensamenwerking"}),
                          }));

    // --- Knowledge partners (4) ---
    orgs.push_back(make_organisation(
        "Adviesbureau Kringloopwijs", "kringloopwijs", k::knowledge_partner, l::advanced,
        {
            chair("Marieke Wassenberg", "marieke.wassenberg", r::consultant, {"ketensamenwerking", "bouw"}),
            member("Hidde Postma", "hidde.postma", r::consultant, {"monitoring", "infra-gww"}),
            member("René Ouwerkerk", "rene.ouwerkerk", r::consultant, {"intern-draagvlak"}),
        }));
    orgs.push_back(make_organisation(
        "Kenniscentrum Circulaire Economie Zuidwaard", "kcezuidwaard", k::knowledge_partner, l::advanced,
        {
            member("Sarah O'Connor", "sarah.oconnor", r::consultant, {"monitoring", "ict"}, en),
            member("Bram de Lange-Visscher", "bram.delangevisscher", r::consultant, {"bouw", "interieur"}),
        }));
    orgs.push_back(make_organisation(
        "Hogeschool Veenhoven", "hsveenhoven", k::knowledge_partner, l::starter,
        {
            member("Eva Roodenburg", "eva.roodenburg", r::consultant, {"intern-draagvlak", "monitoring"}),
            member("Stijn Abbink", "stijn.abbink", r::other, {"ketensamenwerking"}),
        }));
    orgs.push_back(
        make_organisation("Stichting Grondstoffenkompas", "grondstoffenkompas", k::knowledge_partner, l::starter,
                          {
                              member("Ingrid Mertens", "ingrid.mertens", r::consultant, {"infra-gww", "ict"}),
                              member("Gijs Valkenier", "gijs.valkenier", r::consultant, {"disposables"}),
                          }));

    // clang-format on
    return orgs;
}

venue make_signing_venue() {
    venue v;
    v.name = "PIANOo-congres, Bussum";
    v.address = "Congreslaan 1, Bussum"; // invented address
    v.capacity = 400;
    return v;
}

event make_signing_ceremony() {
    event e;
    e.kind = event_kind::other;
    e.title = "Ondertekening Green Deal Circulair Inkopen 2.0";
    e.description = "Feestelijke ondertekening van de Green Deal Circulair Inkopen 2.0 door alle "
                    "deelnemende organisaties. Na afloop is er gelegenheid om kennis te maken met de "
                    "werkgroepen.";
    e.working_group_id = std::nullopt;
    // Central European Summer Time on 7 June 2018: UTC+2.
    e.start_local = "2018-06-07T12:00";
    e.end_local = "2018-06-07T14:00";
    e.start_utc = "2018-06-07T10:00:00Z";
    e.end_utc = "2018-06-07T12:00:00Z";
    e.status = event_status::confirmed;
    e.sequence = 0;
    return e;
}

demo_data build() {
    demo_data d;
    d.prog = make_programme();
    d.working_groups = make_working_groups();
    d.organisations = make_organisations();
    d.signing_venue = make_signing_venue();
    d.signing_ceremony = make_signing_ceremony();
    return d;
}

} // namespace

const demo_data& demo_programme() {
    static const demo_data data = build();
    return data;
}

} // namespace copsched::scheduler

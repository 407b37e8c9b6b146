#include "server/options/flags.hpp"

#include <cstddef>

namespace copsched::server {

std::string take_flag(std::vector<std::string>& args, const std::string& name, bool* missing) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == name) {
            if (i + 1 >= args.size()) {
                if (missing) *missing = true;
                return {};
            }
            auto v = args[i + 1];
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                       args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
            return v;
        }
        if (args[i].rfind(name + "=", 0) == 0) {
            auto v = args[i].substr(name.size() + 1);
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
            return v;
        }
    }
    return {};
}

bool take_switch(std::vector<std::string>& args, const std::string& name) {
    for (auto it = args.begin(); it != args.end(); ++it)
        if (*it == name) {
            args.erase(it);
            return true;
        }
    return false;
}

} // namespace copsched::server

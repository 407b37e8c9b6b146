#pragma once
// A fresh directory under the system temp directory, removed with everything in it when
// the object goes out of scope. Shared by the storage and server unit tests.

#include <atomic>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>

#include <unistd.h>

namespace copsched::test {

class temp_dir {
public:
    temp_dir() {
        static std::atomic<unsigned> counter{0};
        std::random_device rd;
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto p = std::filesystem::temp_directory_path() / ("copsched-unit-" + std::to_string(::getpid()) + "-" +
                                                               std::to_string(counter++) + "-" + std::to_string(rd()));
            if (std::filesystem::create_directory(p)) {
                path_ = p;
                return;
            }
        }
        throw std::runtime_error("cannot create a temporary directory");
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    const std::filesystem::path& path() const noexcept { return path_; }
    // A path inside the directory, as the string the storage API takes.
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

} // namespace copsched::test

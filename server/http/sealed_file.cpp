#include "server/http/http.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace copsched::server {

std::atomic<std::size_t> sealed_file::alive_{0};

std::shared_ptr<const sealed_file> sealed_file::create(std::string_view bytes, std::size_t max_files) {
    // Claim a place first, so that concurrent creators never pass max_files together.
    if (alive_.fetch_add(1, std::memory_order_relaxed) >= max_files) {
        alive_.fetch_sub(1, std::memory_order_relaxed);
        return nullptr;
    }
    const int fd = ::memfd_create("copsched-feed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    bool ok = fd >= 0;
    for (std::size_t done = 0; ok && done < bytes.size();) {
        const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0)
            ok = false;
        else
            done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
    if (!ok) {
        if (fd >= 0) ::close(fd);
        alive_.fetch_sub(1, std::memory_order_relaxed);
        return nullptr;
    }
    return std::shared_ptr<const sealed_file>(new sealed_file(fd, bytes.size()));
}

sealed_file::~sealed_file() {
    ::close(fd_);
    alive_.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace copsched::server

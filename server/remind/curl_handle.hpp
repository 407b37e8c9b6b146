#pragma once
// RAII owner of one libcurl easy handle. The header does not include <curl/curl.h> so
// libcurl stays a PRIVATE dependency of copsched_server: in libcurl `CURL` is `void`, so
// get() is exactly the CURL* the .cpp files pass to curl_easy_*.
//
// Not thread-safe: one handle is used by one thread at a time. A handle keeps its
// connection(s) open between transfers, which is why the SMTP client and the reminder
// API client each keep one for their whole life.

namespace copsched::server {

class curl_handle {
public:
    // Runs curl_global_init once per process (thread-safe, std::call_once), then
    // curl_easy_init. Throws std::runtime_error when libcurl cannot make a handle.
    curl_handle();
    ~curl_handle();
    curl_handle(curl_handle&& other) noexcept;
    curl_handle& operator=(curl_handle&& other) noexcept;
    curl_handle(const curl_handle&) = delete;
    curl_handle& operator=(const curl_handle&) = delete;

    // The CURL*; never null while this object owns it. Still owned by this object.
    [[nodiscard]] void* get() const noexcept { return handle_; }

private:
    void* handle_ = nullptr;
};

} // namespace copsched::server

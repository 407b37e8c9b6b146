#include "server/remind/curl_handle.hpp"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>
#include <utility>

namespace copsched::server {

curl_handle::curl_handle() {
    static std::once_flag global_init;
    std::call_once(global_init, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    });
    handle_ = curl_easy_init();
    if (!handle_) throw std::runtime_error("curl_easy_init failed");
}

curl_handle::~curl_handle() {
    if (handle_) curl_easy_cleanup(handle_);
}

curl_handle::curl_handle(curl_handle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

curl_handle& curl_handle::operator=(curl_handle&& other) noexcept {
    if (this != &other) {
        if (handle_) curl_easy_cleanup(handle_);
        handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
}

} // namespace copsched::server

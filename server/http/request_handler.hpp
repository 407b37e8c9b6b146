#pragma once
// What a connection hands a complete request to, and tells of requests that never
// reached it (413, 431, 400 from the parser). The HTTP layer knows nothing else of the
// service: server/api's dispatcher implements it.

#include "server/http/http.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace copsched::server {

class request_handler {
public:
    virtual ~request_handler() = default;
    // Never throws; called concurrently from every I/O thread.
    virtual task<response> handle(request req, std::string client_address) = 0;
    // Records a request that never reached a handler.
    virtual void record_rejected(unsigned status, std::size_t bytes, std::chrono::nanoseconds duration) const = 0;
};

} // namespace copsched::server

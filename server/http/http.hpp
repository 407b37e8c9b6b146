#pragma once
// The HTTP vocabulary of server/: Beast message types and Asio coroutine helpers.
// Only server/ includes this (and through it, Beast and Asio).

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace copsched::server {

namespace http = boost::beast::http;
namespace asio = boost::asio;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

template <class T>
using task = asio::awaitable<T>;

} // namespace copsched::server

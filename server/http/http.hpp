#pragma once
// The HTTP vocabulary of server/: Beast message types and Asio coroutine helpers.
// Only server/ includes this (and through it, Beast and Asio).
//
// A response's body is `shared_text_body`: either text the response owns (what
// `res.body() = std::string(...)` gives, as with Beast's string_body) or immutable bytes
// shared with whoever else holds them (`res.body().share(bytes)`: a cached feed). Shared
// bytes go out as they are: a response holds one more reference, never a copy, so serving
// a cached 1 MB feed allocates nothing of its size. Shared bytes may come with a
// `sealed_file` holding the same bytes: http_server then sends them with sendfile(2).

#include "server/http/recycling_allocator.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string_type.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional/optional.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace copsched::server {

namespace http = boost::beast::http;
namespace asio = boost::asio;

// Immutable bytes in a sealed memory file (memfd_create(2), sealed against writes and
// resizing), so that a response can send them with sendfile(2): the kernel hands the
// file's pages to the socket instead of copying the bytes in, as nginx does with
// `sendfile on`. Costs one file descriptor and the bytes again (in the kernel's page
// cache, not in the process's heap) while anyone holds it.
class sealed_file {
public:
    // A file with `bytes`, or null when `max_files` files are alive already (0: never) or
    // the kernel refuses (no memfd, descriptors exhausted): the bytes then go out copied.
    static std::shared_ptr<const sealed_file> create(std::string_view bytes, std::size_t max_files);
    static std::size_t alive() noexcept { return alive_.load(std::memory_order_relaxed); }

    sealed_file(const sealed_file&) = delete;
    sealed_file& operator=(const sealed_file&) = delete;
    ~sealed_file();
    int fd() const noexcept { return fd_; }
    std::size_t size() const noexcept { return size_; }

private:
    sealed_file(int fd, std::size_t size) noexcept : fd_(fd), size_(size) {}
    int fd_;
    std::size_t size_;
    static std::atomic<std::size_t> alive_;
};

// A Beast body whose value is owned text or shared immutable bytes (see above). Reads as
// text either way; assigning text makes it owned (and drops a shared reference).
struct shared_text_body {
    class value_type {
    public:
        value_type() = default;
        value_type(std::string text) : owned_(std::move(text)) {}
        value_type& operator=(std::string text) {
            owned_ = std::move(text);
            shared_.reset();
            file_.reset();
            drop_canned_fields();
            return *this;
        }
        // Serves `bytes` without copying them; null means empty. `file`, when given, holds
        // the same bytes and is what goes out (sendfile).
        void share(std::shared_ptr<const std::string> bytes, std::shared_ptr<const sealed_file> file = {}) {
            owned_.clear();
            owned_.shrink_to_fit();
            shared_ = std::move(bytes);
            file_ = shared_ && file && file->size() == shared_->size() ? std::move(file) : nullptr;
        }
        // Header fields written once for these bytes (a cached feed's Content-Type,
        // Content-Encoding, Content-Length, ETag, ...): complete lines, "Name: value\r\n"
        // each, that `owner` keeps alive. http_server writes them after the message's own
        // fields, so a response serving the bytes inserts none of them (each insert into
        // Beast's fields allocates and rebalances a tree). They are not in the message's
        // fields: reading or changing them, or using Beast's serializer, needs
        // expand_canned_fields() first. Assigning text or clear() drops them.
        void set_canned_fields(std::shared_ptr<const std::string> owner, std::string_view lines) noexcept {
            canned_owner_ = std::move(owner);
            canned_ = canned_owner_ ? lines : std::string_view();
        }
        std::string_view canned_fields() const noexcept { return canned_; }
        void drop_canned_fields() noexcept {
            canned_owner_.reset();
            canned_ = {};
        }

        // The shared bytes, null when the body owns its text.
        const std::shared_ptr<const std::string>& shared() const noexcept { return shared_; }
        // The same bytes in a sealed file, or null.
        const std::shared_ptr<const sealed_file>& file() const noexcept { return file_; }

        const std::string& str() const noexcept { return shared_ ? *shared_ : owned_; }
        operator const std::string&() const noexcept { return str(); }
        operator std::string_view() const noexcept { return str(); }
        operator boost::core::string_view() const noexcept { return str(); } // Beast and JSON
        const char* data() const noexcept { return str().data(); }
        std::size_t size() const noexcept { return str().size(); }
        bool empty() const noexcept { return str().empty(); }
        std::size_t find(std::string_view s, std::size_t pos = 0) const noexcept { return str().find(s, pos); }
        void clear() noexcept {
            owned_.clear();
            shared_.reset();
            file_.reset();
            drop_canned_fields();
        }
        asio::const_buffer buffer() const noexcept { return asio::buffer(str()); }

        friend bool operator==(const value_type& a, std::string_view b) noexcept { return a.str() == b; }
        friend std::ostream& operator<<(std::ostream& os, const value_type& v) { return os << v.str(); }

    private:
        std::string owned_;
        std::shared_ptr<const std::string> shared_;
        std::shared_ptr<const sealed_file> file_;
        std::shared_ptr<const std::string> canned_owner_;
        std::string_view canned_;
    };

    static std::uint64_t size(const value_type& v) noexcept { return v.size(); }

    // For Beast's serializer (http::write): one buffer, the bytes themselves.
    class writer {
    public:
        using const_buffers_type = asio::const_buffer;
        template <bool isRequest, class Fields>
        writer(const http::header<isRequest, Fields>&, const value_type& v) : body_(v) {}
        void init(boost::beast::error_code& ec) { ec = {}; }
        boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
            ec = {};
            return {{body_.buffer(), false}};
        }

    private:
        const value_type& body_;
    };

    // For Beast's parser (tests read responses back): the bytes become owned text.
    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>&, value_type& v) : body_(v) {}
        void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
            text_.clear();
            if (length) text_.reserve(static_cast<std::size_t>(*length));
            ec = {};
        }
        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
            std::size_t n = 0;
            for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
                text_.append(static_cast<const char*>(it->data()), it->size());
                n += it->size();
            }
            ec = {};
            return n;
        }
        void finish(boost::beast::error_code& ec) {
            body_ = std::move(text_);
            ec = {};
        }

    private:
        value_type& body_;
        std::string text_;
    };
};

// Header fields in blocks the thread recycles (server/http/recycling_allocator.hpp).
using fields = http::basic_fields<recycling_allocator<char>>;
using request = http::request<http::string_body, fields>;
using response = http::response<shared_text_body, fields>;

// Moves a response's canned fields (shared_text_body::value_type::set_canned_fields) into
// its fields, where they can be read and changed like any other (HEAD, tests).
void expand_canned_fields(response& res);

template <class T>
using task = asio::awaitable<T>;

} // namespace copsched::server

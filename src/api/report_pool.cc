#include "api/report_pool.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace unmogrowp::api {

struct ReportPool::Rep {
  explicit Rep(int threads) : pool(static_cast<size_t>(threads > 0 ? threads : 1)) {}
  boost::asio::thread_pool pool;
};

ReportPool::ReportPool(int threads) : rep_(std::make_unique<Rep>(threads)) {}

ReportPool::~ReportPool() { rep_->pool.join(); }

void ReportPool::Post(std::function<void()> task) {
  boost::asio::post(rep_->pool, std::move(task));
}

}  // namespace unmogrowp::api

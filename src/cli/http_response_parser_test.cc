#include "cli/http_response_parser.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

TEST(HttpResponseParserTest, FramesByContentLength) {
  std::string response =
      "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\ncontent-length: 17\r\n\r\n"
      "{\"event_id\":\"a\"}X";
  HttpResponseHead head;
  for (size_t n = 0; n < response.size() - 2; ++n) {
    EXPECT_EQ(ParseHttpResponse(std::string_view(response).substr(0, n), &head),
              HttpParse::kNeedMore)
        << n;
  }
  ASSERT_EQ(ParseHttpResponse(response, &head), HttpParse::kDone);
  EXPECT_EQ(head.status, 202);
  EXPECT_EQ(head.content_length, 17u);
  EXPECT_EQ(response.substr(head.header_bytes, head.content_length), "{\"event_id\":\"a\"}X");
  EXPECT_FALSE(head.close);
  EXPECT_EQ(head.retry_after_s, -1);
}

TEST(HttpResponseParserTest, RetryAfterAndClose) {
  HttpResponseHead head;
  ASSERT_EQ(ParseHttpResponse("HTTP/1.1 503 Service Unavailable\r\nRetry-After:  3 \r\n"
                              "Connection: close\r\nContent-Length: 0\r\n\r\n",
                              &head),
            HttpParse::kDone);
  EXPECT_EQ(head.status, 503);
  EXPECT_EQ(head.retry_after_s, 3);
  EXPECT_TRUE(head.close);
  ASSERT_EQ(ParseHttpResponse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &head),
            HttpParse::kDone);
  EXPECT_TRUE(head.close);
  ASSERT_EQ(ParseHttpResponse("HTTP/1.1 204 No Content\r\n\r\n", &head), HttpParse::kDone);
  EXPECT_EQ(head.content_length, 0u);
}

TEST(HttpResponseParserTest, FramesChunkedBodies) {
  const std::string head_text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunks = "5\r\nhello\r\nA;x=1\r\n0123456789\r\n0\r\n\r\n";
  const std::string full = head_text + chunks + "HTTP/1.1 next";
  HttpResponseHead head;
  ASSERT_EQ(ParseHttpResponse(full, &head), HttpParse::kDone);
  EXPECT_EQ(head.header_bytes, head_text.size());
  EXPECT_EQ(head.content_length, chunks.size());
  for (size_t cut = head_text.size(); cut < head_text.size() + chunks.size(); ++cut) {
    EXPECT_EQ(ParseHttpResponse(full.substr(0, cut), &head), HttpParse::kNeedMore) << cut;
  }
  // ClickHouse's empty answer.
  ASSERT_EQ(ParseHttpResponse(head_text + "0\r\n\r\n", &head), HttpParse::kDone);
  EXPECT_EQ(head.content_length, 5u);
}

TEST(HttpResponseParserTest, RejectsWhatItCannotFrame) {
  HttpResponseHead head;
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", &head),
            HttpParse::kError);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &head),
            HttpParse::kError);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\n\r\n", &head), HttpParse::kError);
  EXPECT_EQ(ParseHttpResponse("SMTP ready\r\n\r\n", &head), HttpParse::kError);
  EXPECT_EQ(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", &head),
            HttpParse::kError);
}

TEST(HttpResponseParserTest, ReadsBatchAnswers) {
  std::string body =
      "{\"accepted\": 7, \"rejected\": [{\"index\": 9, \"code\": \"invalid_field\", "
      "\"message\": \"x \\\"index\\\": 4\", \"field\": \"timestamp\"}, {\"index\":2}]}";
  EXPECT_EQ(BatchAccepted(body), 7);
  std::vector<uint32_t> rejected;
  BatchRejectedIndexes(body, &rejected);
  EXPECT_EQ(rejected, (std::vector<uint32_t>{2, 9}));
  BatchRejectedIndexes("{\"accepted\":3,\"rejected\":[]}", &rejected);
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(BatchAccepted("{}"), -1);
}

TEST(HttpResponseParserTest, ReadsStringFields) {
  EXPECT_EQ(JsonStringField("{\"event_id\" : \"abc\\\"d\",\"x\":1}", "event_id"), "abc\\\"d");
  EXPECT_EQ(JsonStringField("{\"note\":\"event_id\",\"event_id\":\"z\"}", "event_id"), "z");
  EXPECT_EQ(JsonStringField("{\"event_id\":5}", "event_id"), "");
  EXPECT_EQ(JsonStringField("{}", "event_id"), "");
}

}  // namespace
}  // namespace unmogrowp

# JSON of the app endpoints (app_json.h). Included from src/api/CMakeLists.txt.
add_library(unmogrowp_app_json STATIC app_json.cc)
target_include_directories(unmogrowp_app_json PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(unmogrowp_app_json PUBLIC unmogrowp_meta unmogrowp_event unmogrowp_core simdjson::simdjson)
if(NOT UNMOGROWP_FUZZ)
  add_executable(app_json_test app_json_test.cc)
  target_link_libraries(app_json_test PRIVATE unmogrowp_app_json GTest::gtest_main)
  gtest_discover_tests(app_json_test DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120
                       PROPERTIES LABELS unit)
endif()

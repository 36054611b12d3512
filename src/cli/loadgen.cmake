# `unmogrowp gen` (synthetic events) and `unmogrowp load` (load generator).
# Included by src/cli/CMakeLists.txt, which links unmogrowp_loadgen into the
# `unmogrowp` binary.
# Paths are relative to this file, so it works from whichever directory includes it.
set(LOADGEN_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(LOADGEN_SRC_ROOT ${LOADGEN_DIR} DIRECTORY)
add_library(unmogrowp_loadgen STATIC
  ${LOADGEN_DIR}/gen.cc ${LOADGEN_DIR}/gen_catalog.cc ${LOADGEN_DIR}/gen_command.cc
  ${LOADGEN_DIR}/gen_model.cc ${LOADGEN_DIR}/gen_render.cc
  ${LOADGEN_DIR}/ack_file.cc ${LOADGEN_DIR}/http_response_parser.cc
  ${LOADGEN_DIR}/latency_histogram.cc ${LOADGEN_DIR}/load.cc ${LOADGEN_DIR}/load_command.cc
  ${LOADGEN_DIR}/load_input.cc ${LOADGEN_DIR}/load_socket.cc ${LOADGEN_DIR}/load_worker.cc)
target_include_directories(unmogrowp_loadgen PUBLIC ${LOADGEN_SRC_ROOT})
target_link_libraries(unmogrowp_loadgen PUBLIC unmogrowp_core CLI11::CLI11 Boost::headers Threads::Threads)

# Named loadgen_test, not cli_test: unmogrowp_module(cli ...) in CMakeLists.txt
# already makes a cli_test from the module's own tests.
if(NOT UNMOGROWP_FUZZ)
  add_executable(loadgen_test
    ${LOADGEN_DIR}/gen_test.cc ${LOADGEN_DIR}/http_response_parser_test.cc
    ${LOADGEN_DIR}/latency_histogram_test.cc ${LOADGEN_DIR}/load_test.cc)
  target_link_libraries(loadgen_test PRIVATE unmogrowp_loadgen simdjson::simdjson GTest::gtest_main)
  gtest_discover_tests(loadgen_test DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120
                       PROPERTIES LABELS unit)
  if(TARGET unit_tests)
    add_dependencies(unit_tests loadgen_test)
  endif()
endif()


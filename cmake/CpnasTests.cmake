# cpnas_integration_test(<name> LABEL <label> SOURCES <files...> [SERIAL])
# A GoogleTest binary that drives the built `cpnas` (CPNAS_EXE) from the source tree
# (CPNAS_SOURCE_DIR), registered as one CTest test so its expensive set-up (a cluster, an install)
# runs once. SERIAL keeps other tests off the machine while it runs.
function(cpnas_integration_test name)
  cmake_parse_arguments(ARG "SERIAL" "LABEL" "SOURCES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE libcpnas GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  cpnas_executable_flags(${name})
  target_compile_definitions(${name} PRIVATE
    CPNAS_EXE="$<TARGET_FILE:cpnas>"
    CPNAS_BUILD_TREE="${CMAKE_BINARY_DIR}"
    CPNAS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CPNAS_TEST_PLUGIN_DIR="${CMAKE_BINARY_DIR}/tests/plugins")
  add_dependencies(${name} cpnas)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT 1800 RUN_SERIAL ${ARG_SERIAL})
endfunction()

# cpnas_add_plugin(<name> KIND block|attention|feature SOURCES <files...>)
#
# Builds the plugin shared object <name>.so with the flags the cpnas loader expects: the same
# LibTorch and C++ ABI as the core (through the SDK target), hidden visibility except for the
# exported entry point, and no "lib" prefix. In the cpnas source tree the plugin lands in
# <build>/plugins/<kind dir>/ and is installed with the core; out of tree it lands in the current
# binary directory, to be found through --plugin-path or CPNAS_PLUGIN_PATH.
function(cpnas_add_plugin name)
  cmake_parse_arguments(ARG "" "KIND" "SOURCES" ${ARGN})
  if(ARG_KIND STREQUAL "block")
    set(_kind_dir blocks)
  elseif(ARG_KIND STREQUAL "attention")
    set(_kind_dir attention)
  elseif(ARG_KIND STREQUAL "feature")
    set(_kind_dir features)
  else()
    message(FATAL_ERROR "cpnas_add_plugin(${name}): KIND must be block, attention or feature")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "cpnas_add_plugin(${name}): SOURCES is empty")
  endif()

  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON)
  if(TARGET cpnas_sdk)  # building inside the cpnas tree
    target_link_libraries(${name} PRIVATE cpnas_sdk)
    target_precompile_headers(${name} REUSE_FROM cpnas_pch)
    target_compile_options(${name} PRIVATE ${CPNAS_WARNINGS})
    set_target_properties(${name} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins/${_kind_dir}")
    install(TARGETS ${name} LIBRARY
      DESTINATION "${CMAKE_INSTALL_LIBDIR}/cpnas/plugins/${_kind_dir}")
  else()
    target_link_libraries(${name} PRIVATE cpnas::sdk)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
endfunction()

# The core's layers (README "Layout"): each folder of src/ is a library that may use only the
# layers declared before it. The build enforces that order: a layer's target sees the headers of
# its own folder and of the folders below it, nothing else, so an include that goes up does not
# compile. Each folder is exposed through an include root of its own in the build tree that holds
# only a link to it (src/ itself would expose every folder).

set_property(GLOBAL PROPERTY CPNAS_LAYERS "")

# cpnas_layer_includes(<target> <folder> [PUBLIC|PRIVATE])
# Gives <target> the include root that holds src/<folder> alone.
function(cpnas_layer_includes target folder scope)
  set(root ${CMAKE_BINARY_DIR}/layers/${folder})
  if(NOT EXISTS ${root}/${folder})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} ${scope} $<BUILD_INTERFACE:${root}>)
endfunction()

# Whether <source> reaches LibTorch's own headers (torch/, ATen/; c10's small ones, such as
# c10/core/Device.h, do not count), directly or through headers of src/ and include/. Sets <out>
# to TRUE or FALSE. Quoted includes resolve as the compiler would: beside the file, then src/,
# include/ and tests/common/.
function(cpnas_uses_torch source out)
  set(pending ${source})
  set(seen "")
  while(pending)
    list(POP_FRONT pending file)
    if(file IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${file})
    file(STRINGS ${file} includes REGEX "^#include [<\"]")
    foreach(line IN LISTS includes)
      if(line MATCHES "^#include <(torch|ATen)/")
        set(${out} TRUE PARENT_SCOPE)
        return()
      endif()
      if(line MATCHES "^#include \"([A-Za-z_0-9/]+\\.hpp)\"")
        get_filename_component(here ${file} DIRECTORY)
        foreach(root ${here} ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/include
                ${PROJECT_SOURCE_DIR}/tests/common)
          if(EXISTS ${root}/${CMAKE_MATCH_1})
            list(APPEND pending ${root}/${CMAKE_MATCH_1})
            break()
          endif()
        endforeach()
      endif()
    endforeach()
  endwhile()
  set(${out} FALSE PARENT_SCOPE)
endfunction()

# Only sources that include LibTorch get its precompiled header: loading its ~570 MB costs a
# translation unit that never uses it several seconds.
function(cpnas_torch_pch target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(any_torch FALSE)
  foreach(source IN LISTS sources)
    if(NOT source MATCHES "\\.cpp$")
      continue()
    endif()
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY ${source_dir})
    cpnas_uses_torch(${source} torch)
    if(torch)
      set(any_torch TRUE)
    else()
      set_source_files_properties(${source} TARGET_DIRECTORY ${target}
        PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(any_torch)
    target_precompile_headers(${target} REUSE_FROM cpnas_pch)
  endif()
endfunction()

# cpnas_layer(<folder> SOURCES <files...> [LINK <libraries...>])
# The object library cpnas_<folder>, above every layer declared before it.
function(cpnas_layer folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  set(target cpnas_${folder})
  add_library(${target} OBJECT ${ARG_SOURCES})
  cpnas_layer_includes(${target} ${folder} PUBLIC)
  get_property(below GLOBAL PROPERTY CPNAS_LAYERS)
  if(below)
    list(GET below -1 previous)
    target_link_libraries(${target} PUBLIC cpnas_${previous})
  endif()
  target_link_libraries(${target} PUBLIC ${ARG_LINK})
  target_compile_options(${target} PRIVATE ${CPNAS_WARNINGS})
  cpnas_torch_pch(${target})
  set_property(GLOBAL APPEND PROPERTY CPNAS_LAYERS ${folder})
endfunction()

# `cmake --install <build> [--prefix <dir>]`: the platform as a CMake package.
#   include/dwvp/      every header of the installed libraries, flat (as the build
#                      includes them, by file name), and dwvp/regs.h, dwvp/descriptor.h
#   lib/               the static libraries (models, platform, firmware, harness, ...)
#   lib/cmake/dwvp/    dwvpConfig.cmake (find_package(dwvp)), the exported targets
#                      dwvp::<library>, dwvp_add_firmware_scenario()
#   bin/dwvp           the command line
# The libraries are every static or interface library of the project outside tests/,
# fuzz/, bench/ and tools/. Their source-tree include folders are build-only; installed,
# they include <prefix>/include and <prefix>/include/dwvp. docs/firmware.md.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

function(dwvp_collect_libraries dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  set(found "")
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "INTERFACE_LIBRARY")
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${sub})
    if(NOT rel MATCHES "^(tests|fuzz|bench|tools)(/|$)")
      dwvp_collect_libraries(${sub} sub_found)
      list(APPEND found ${sub_found})
    endif()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

dwvp_collect_libraries(${CMAKE_SOURCE_DIR} dwvp_libraries)
set(header_dirs "")
foreach(t ${dwvp_libraries})
  get_target_property(dirs ${t} INTERFACE_INCLUDE_DIRECTORIES)
  if(NOT dirs)
    continue()
  endif()
  set(wrapped "")
  foreach(d ${dirs})
    if(IS_ABSOLUTE "${d}" AND NOT d MATCHES "^\\$<")
      list(APPEND wrapped "$<BUILD_INTERFACE:${d}>")
      list(APPEND header_dirs ${d})
    else()
      list(APPEND wrapped "${d}")
    endif()
  endforeach()
  set_target_properties(${t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
endforeach()

# A sanitized build (DWVP_SANITIZE) installs instrumented libraries: programs built
# against them link the sanitizer runtimes too.
if(DWVP_SANITIZE)
  foreach(t ${dwvp_libraries})
    set_property(TARGET ${t} APPEND PROPERTY INTERFACE_LINK_OPTIONS
                 "$<INSTALL_INTERFACE:-fsanitize=address,undefined>")
  endforeach()
endif()

# Headers: flat under include/dwvp, except the contracts (include/dwvp/*.h already
# carry the dwvp/ folder). Two headers of one name would shadow each other.
list(REMOVE_DUPLICATES header_dirs)
set(headers "")
set(header_names "")
foreach(d ${header_dirs})
  if(d STREQUAL "${CMAKE_SOURCE_DIR}/include")
    continue()
  endif()
  file(GLOB hs ${d}/*.h)
  foreach(h ${hs})
    get_filename_component(n ${h} NAME)
    if(n IN_LIST header_names)
      message(FATAL_ERROR "dwvp install: two headers named ${n} (${h})")
    endif()
    list(APPEND header_names ${n})
    list(APPEND headers ${h})
  endforeach()
endforeach()
install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dwvp)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/dwvp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(TARGETS ${dwvp_libraries} EXPORT dwvp_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${CMAKE_INSTALL_INCLUDEDIR}/dwvp)
install(TARGETS dwvp RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/dwvp)
install(EXPORT dwvp_targets NAMESPACE dwvp:: FILE dwvpTargets.cmake DESTINATION ${package_dir})

set(DWVP_EXTRA_DEPENDENCIES "")
if(ONNX_FOUND OR TARGET onnx_proto)
  set(DWVP_EXTRA_DEPENDENCIES "find_dependency(Protobuf)\nfind_dependency(ONNX CONFIG)")
endif()
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/dwvpConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/dwvpConfig.cmake
                              INSTALL_DESTINATION ${package_dir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/dwvpConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/dwvpConfig.cmake ${CMAKE_BINARY_DIR}/dwvpConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/dwvp_firmware_scenario.cmake
        DESTINATION ${package_dir})

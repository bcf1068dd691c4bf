# Install layout: bin/cpnas, lib/libcpnas.so, lib/cpnas/plugins/<kind>/*.so, include/cpnas/*.hpp,
# lib/cmake/cpnas/ (cpnasConfig.cmake with the cpnas::sdk target and cpnas_add_plugin()).
include(CMakePackageConfigHelpers)

install(TARGETS cpnas RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS libcpnas LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS cpnas_sdk EXPORT cpnasTargets)
install(DIRECTORY include/cpnas DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(CPNAS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cpnas)
install(EXPORT cpnasTargets NAMESPACE cpnas:: DESTINATION ${CPNAS_CMAKE_DIR})
configure_package_config_file(cmake/cpnasConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/cpnasConfig.cmake INSTALL_DESTINATION ${CPNAS_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/cpnasConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/cpnasConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/cpnasConfigVersion.cmake
  cmake/CpnasPlugin.cmake
  DESTINATION ${CPNAS_CMAKE_DIR})

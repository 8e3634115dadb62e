# cmake --install: libraries, public headers, the uat program, uat.pc and a CMake package
# (find_package(uat) gives uat::uat, uat::analysis, uat::ode and uat::approx).
include(CMakePackageConfigHelpers)

set_target_properties(uat_cli PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
# Each library finds the others beside it (a program's own run path does not reach the
# dependencies of the libraries it loads).
set_target_properties(uat_core uat_analysis uat_ode uat_approx PROPERTIES INSTALL_RPATH "$ORIGIN")

install(TARGETS uat_core uat_analysis uat_ode uat_approx EXPORT uatTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS uat_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(UAT_HEADER_EXCLUDE)
if(NOT UAT_HAVE_MPI)
  set(UAT_HEADER_EXCLUDE PATTERN "sweep_mpi.h" EXCLUDE)
endif()
install(DIRECTORY include/uat/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/uat
  FILES_MATCHING PATTERN "*.h" ${UAT_HEADER_EXCLUDE})
install(FILES ${CMAKE_BINARY_DIR}/include/uat/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/uat)

set(UAT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/uat)
install(EXPORT uatTargets NAMESPACE uat:: DESTINATION ${UAT_CMAKE_DIR})
configure_package_config_file(cmake/uatConfig.cmake.in
  ${CMAKE_BINARY_DIR}/uatConfig.cmake INSTALL_DESTINATION ${UAT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/uatConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/uatConfig.cmake ${CMAKE_BINARY_DIR}/uatConfigVersion.cmake
  DESTINATION ${UAT_CMAKE_DIR})

# The prefix is found relative to the .pc file, so that a tree installed with --prefix
# elsewhere than the configured prefix still works.
file(RELATIVE_PATH UAT_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(cmake/uat.pc.in ${CMAKE_BINARY_DIR}/uat.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/uat.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The manual page, bash completion, and the documentation.
install(FILES ${CMAKE_SOURCE_DIR}/share/uat.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/share/uat-completion.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME uat)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

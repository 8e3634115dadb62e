# Static analysis and formatting targets (not part of `all`):
#   lint          cppcheck and clang-tidy over the project's sources; fails on any finding
#   format        rewrite every source with clang-format
#   format-check  fail if any source differs from clang-format's output
file(GLOB_RECURSE UAT_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/lib/*.c ${CMAKE_SOURCE_DIR}/analysis/*.c ${CMAKE_SOURCE_DIR}/approx/*.c ${CMAKE_SOURCE_DIR}/cli/*.c
  ${CMAKE_SOURCE_DIR}/ode/*.c ${CMAKE_SOURCE_DIR}/bench/*.c)
file(GLOB_RECURSE UAT_ALL_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/lib/*.[ch] ${CMAKE_SOURCE_DIR}/analysis/*.[ch]
  ${CMAKE_SOURCE_DIR}/approx/*.[ch] ${CMAKE_SOURCE_DIR}/cli/*.[ch] ${CMAKE_SOURCE_DIR}/ode/*.[ch]
  ${CMAKE_SOURCE_DIR}/include/*.[ch]
  ${CMAKE_SOURCE_DIR}/bench/*.[ch] ${CMAKE_SOURCE_DIR}/tests/*.[ch])

find_program(CPPCHECK cppcheck)
find_program(CLANG_TIDY clang-tidy)
find_program(CLANG_FORMAT clang-format)

set(UAT_LINT_COMMANDS)
if(CPPCHECK)
  list(APPEND UAT_LINT_COMMANDS COMMAND ${CPPCHECK} --quiet --error-exitcode=1
    --enable=warning,performance,portability --inline-suppr --std=c11
    --suppress=missingIncludeSystem
    # cppcheck does not read SUNDIALS headers, so it cannot see the version check pass
    --suppress=preprocessorErrorDirective:${CMAKE_SOURCE_DIR}/ode/sundials_compat.h
    --project=${CMAKE_BINARY_DIR}/compile_commands.json
    --file-filter=${CMAKE_SOURCE_DIR}/*)
endif()
if(CLANG_TIDY)
  list(APPEND UAT_LINT_COMMANDS COMMAND ${CLANG_TIDY} --quiet -p ${CMAKE_BINARY_DIR}
    ${UAT_SOURCES})
endif()
if(UAT_LINT_COMMANDS)
  add_custom_target(lint ${UAT_LINT_COMMANDS} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} VERBATIM)
endif()
if(CLANG_FORMAT)
  add_custom_target(format COMMAND ${CLANG_FORMAT} -i ${UAT_ALL_SOURCES} VERBATIM)
  add_custom_target(format-check
    COMMAND ${CLANG_FORMAT} --dry-run --Werror ${UAT_ALL_SOURCES} VERBATIM)
endif()

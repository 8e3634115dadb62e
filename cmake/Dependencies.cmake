# Every dependency is found the CMake way; a missing one stops configuration and names the
# Debian package that provides it.
function(uat_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "${what} not found: install the Debian package '${package}' "
                        "(apt-get install ${package}), or run scripts/setup")
  endif()
endfunction()

find_package(GSL 2.6)
uat_require(GSL_FOUND "GSL (GNU Scientific Library)" libgsl-dev)

# OpenBLAS provides the CBLAS that our code and GSL call. Debian's libgsl itself depends on
# the reference libgslcblas, so both get loaded: OpenBLAS is linked first so that its
# cblas_* symbols are the ones every caller resolves to (tests/test_blas.c checks this).
find_package(OpenBLAS CONFIG QUIET)
uat_require(OpenBLAS_FOUND "OpenBLAS" libopenblas-dev)

find_package(SUNDIALS CONFIG QUIET)
uat_require(SUNDIALS_FOUND "SUNDIALS (CVODE)" libsundials-dev)

find_package(PkgConfig QUIET)
uat_require(PKG_CONFIG_FOUND "pkg-config" pkg-config)
pkg_check_modules(INIH QUIET IMPORTED_TARGET inih)
uat_require(INIH_FOUND "libinih" libinih-dev)

if(UAT_BUILD_TESTS)
  find_package(cmocka CONFIG QUIET)
  uat_require(cmocka_FOUND "CMocka" libcmocka-dev)
endif()

find_program(GNUPLOT_EXECUTABLE gnuplot)

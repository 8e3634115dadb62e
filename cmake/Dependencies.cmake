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

# The CBLAS that GSL's linear algebra calls is GSL's own reference libgslcblas, plain C
# compiled for baseline x86-64: it rounds the same on every CPU. OpenBLAS picks a kernel by
# CPU at run time, and different kernels round differently, so linking it would make results
# depend on the machine (docs/performance.md). The network's products are uat's own kernels
# (lib/kernels.c). OpenBLAS is only a peer in bench/, loaded there with dlopen so that it
# cannot interpose on GSL's cblas_* calls.

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

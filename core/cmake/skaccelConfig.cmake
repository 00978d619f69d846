# CMake package of skaccel's C++ core, installed with the Python wheel:
#
#   find_package(skaccel CONFIG REQUIRED)   # -Dskaccel_DIR=$(python -m skaccel --cmake-dir)
#   target_link_libraries(my_program PRIVATE skaccel::core)
#
# skaccel::core is the shared library site-packages/skaccel/lib/libskaccel.so with the
# headers of site-packages/skaccel/include (C++17). It needs no Python at run time; it loads
# OpenBLAS from the scipy-openblas32 package next to it in site-packages.
include("${CMAKE_CURRENT_LIST_DIR}/skaccelTargets.cmake")
get_filename_component(_skaccel_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
# The linker looks for libskaccel.so's own dependency (OpenBLAS) when it links a program.
if(EXISTS "${_skaccel_prefix}/../scipy_openblas32/lib")
  get_filename_component(_skaccel_blas_dir "${_skaccel_prefix}/../scipy_openblas32/lib" ABSOLUTE)
  set_property(TARGET skaccel::core APPEND PROPERTY INTERFACE_LINK_OPTIONS
               "LINKER:-rpath-link,${_skaccel_blas_dir}")
endif()
target_compile_features(skaccel::core INTERFACE cxx_std_17)
set(skaccel_INCLUDE_DIR "${_skaccel_prefix}/include")
unset(_skaccel_prefix)
unset(_skaccel_blas_dir)

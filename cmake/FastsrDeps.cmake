# Finds fastsr's dependencies; each missing one stops configuration with the
# Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

function(fastsr_require_pkg var modules apt)
  pkg_check_modules(${var} QUIET IMPORTED_TARGET ${modules})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "fastsr needs ${modules} (pkg-config) — install it with: apt-get install ${apt}")
  endif()
endfunction()

fastsr_require_pkg(FFMPEG "libavformat;libavcodec;libavutil;libswscale"
  "libavformat-dev libavcodec-dev libavutil-dev libswscale-dev")
fastsr_require_pkg(CJSON "libcjson" "libcjson-dev")

find_package(Threads REQUIRED)
find_package(OpenMP)
if(NOT OpenMP_C_FOUND)
  message(FATAL_ERROR "fastsr needs OpenMP for C — install it with: apt-get install libgomp1 (GCC) or libomp-dev (clang)")
endif()

pkg_check_modules(SDL2 QUIET IMPORTED_TARGET sdl2)
set(FASTSR_HAVE_SDL2 ${SDL2_FOUND})
if(FASTSR_BUILD_PLAYER AND NOT SDL2_FOUND)
  message(WARNING "SDL2 not found: fastsr-play will not be built (apt-get install libsdl2-dev)")
endif()

if(FASTSR_BUILD_TESTS)
  pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET cmocka)
  if(NOT CMOCKA_FOUND)
    message(FATAL_ERROR "the tests need cmocka — install it with: apt-get install libcmocka-dev (or configure with -DFASTSR_BUILD_TESTS=OFF)")
  endif()
endif()

# oneDNN is optional: only the convolution benchmark compares against it.
find_library(FASTSR_DNNL_LIB dnnl)
find_path(FASTSR_DNNL_INCLUDE oneapi/dnnl/dnnl.h)
if(FASTSR_DNNL_LIB AND FASTSR_DNNL_INCLUDE)
  set(FASTSR_HAVE_DNNL ON)
else()
  set(FASTSR_HAVE_DNNL OFF)
endif()

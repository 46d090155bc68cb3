# Sanitizer coverage in the default build.
#
# Tests that feed hostile input to the emulator (random guest code, random
# kernel headers) must show that the host process survives it, which only
# AddressSanitizer and UndefinedBehaviorSanitizer can tell. So that one
# build and one ctest run cover this, a second copy of the core,
# lintas_core_asan, is built with the sanitizers, and
#
#   lintas_add_sanitized_executable(name source...)
#
# builds a program against it. With LINTAS_SANITIZE=ON the whole build is
# sanitized already and such programs link lintas_core; where the compiler
# cannot build sanitized programs, or with LINTAS_SANITIZED_TESTS=OFF, they
# link lintas_core and run unsanitized.

option(LINTAS_SANITIZED_TESTS
  "Build the hostile-input tests against a sanitized copy of the core" ON)

set(LINTAS_SANITIZED_CORE lintas_core)
if(LINTAS_SANITIZED_TESTS AND NOT LINTAS_SANITIZE)
  include(CheckCSourceCompiles)
  string(JOIN " " CMAKE_REQUIRED_FLAGS ${LINTAS_SANITIZER_COMPILE_FLAGS})
  set(CMAKE_REQUIRED_LINK_OPTIONS ${LINTAS_SANITIZER_LINK_FLAGS})
  check_c_source_compiles("int main(void) { return 0; }" LINTAS_HAVE_SANITIZERS)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(LINTAS_HAVE_SANITIZERS)
    lintas_add_core(lintas_core_asan)
    # PUBLIC, so that every program linking the copy is compiled and linked
    # with the same flags.
    target_compile_options(lintas_core_asan PUBLIC ${LINTAS_SANITIZER_COMPILE_FLAGS})
    target_link_options(lintas_core_asan PUBLIC ${LINTAS_SANITIZER_LINK_FLAGS})
    set(LINTAS_SANITIZED_CORE lintas_core_asan)
  else()
    message(STATUS "The compiler cannot build -fsanitize=address,undefined programs: "
                   "hostile-input tests run without sanitizers")
  endif()
endif()

function(lintas_add_sanitized_executable name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE ${LINTAS_SANITIZED_CORE})
endfunction()

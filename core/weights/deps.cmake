# core/weights: jansson parses and writes the safetensors JSON header (see
# docs/dependencies.md). zlib (already a core dependency) inflates deflated
# zip entries.
find_package(PkgConfig REQUIRED)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
list(APPEND PV_CORE_LIBS PkgConfig::JANSSON)

# Fuzz builds: instrument this module for libFuzzer's coverage feedback (the
# harnesses link the fuzzer runtime; without this the fuzzer is blind inside
# the library).
if(POLYVIS_BUILD_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  file(GLOB PV_WEIGHTS_SOURCES ${CMAKE_CURRENT_LIST_DIR}/*.c)
  set_source_files_properties(${PV_WEIGHTS_SOURCES} TARGET_DIRECTORY polyvis_obj
    PROPERTIES COMPILE_OPTIONS -fsanitize=fuzzer-no-link)
endif()

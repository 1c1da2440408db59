# The ONNX loader needs no extra library. In fuzzing builds its sources get
# libFuzzer's coverage instrumentation, so fuzz_onnx is guided by the parser
# and importer rather than by the harness alone.
if(POLYVIS_BUILD_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  file(GLOB PV_ONNX_SOURCES ${CMAKE_CURRENT_LIST_DIR}/*.c)
  set_source_files_properties(${PV_ONNX_SOURCES} PROPERTIES
    COMPILE_OPTIONS "-fsanitize=fuzzer-no-link")
endif()

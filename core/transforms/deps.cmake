# transforms: torch's float results are reproduced operation by operation,
# with fused multiply-adds written out explicitly (fmaf) where torch's build
# contracts. Any other contraction by the compiler would change the rounding
# (clang contracts by default, GCC does in GNU mode), so turn it off here.
file(GLOB PV_TRANSFORMS_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
set_source_files_properties(${PV_TRANSFORMS_SOURCES} PROPERTIES
  COMPILE_OPTIONS "-ffp-contract=off")

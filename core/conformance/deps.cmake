# The conformance runner drives devices through the graph runtime
# (core/graph/runtime.c, or compile.c as first planned). Until that is in the
# tree the runner builds without its device path and pv_conformance_run
# reports so.
if(EXISTS ${CMAKE_SOURCE_DIR}/core/graph/compile.c OR
   EXISTS ${CMAKE_SOURCE_DIR}/core/graph/runtime.c)
  target_compile_definitions(polyvis_obj PRIVATE PV_HAVE_GRAPH_RUNTIME=1)
endif()

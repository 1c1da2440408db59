# Installs polyvis to a temp prefix, builds plugins/template out of tree
# against it, and runs `polyvis devices --json` with POLYVIS_PLUGIN_PATH.
set(P ${BUILD}/oot-prefix)
file(REMOVE_RECURSE ${P} ${BUILD}/oot-template)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${P}
  RESULT_VARIABLE r OUTPUT_QUIET)
if(r)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC}/plugins/template -B ${BUILD}/oot-template
  -DCMAKE_PREFIX_PATH=${P} RESULT_VARIABLE r OUTPUT_QUIET)
if(r)
  message(FATAL_ERROR "configure of the template against the installed package failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD}/oot-template RESULT_VARIABLE r OUTPUT_QUIET)
if(r)
  message(FATAL_ERROR "build of the template failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env POLYVIS_PLUGIN_PATH=${BUILD}/oot-template
  ${P}/bin/polyvis devices --json OUTPUT_VARIABLE out RESULT_VARIABLE r)
if(r OR NOT out MATCHES "\"name\":\"template:0\"")
  message(FATAL_ERROR "installed polyvis did not load the out-of-tree template: ${out}")
endif()
message(STATUS "out-of-tree template loaded: ${out}")

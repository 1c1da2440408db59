# polyvis_add_plugin(NAME SOURCES...): builds a backend plugin .so into the
# build tree's lib/polyvis/plugins (where the loader looks) and installs it.
function(polyvis_add_plugin name)
  add_library(polyvis-backend-${name} MODULE ${ARGN})
  target_include_directories(polyvis-backend-${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  set_target_properties(polyvis-backend-${name} PROPERTIES
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${POLYVIS_PLUGIN_BUILD_DIR}
    C_VISIBILITY_PRESET hidden)
  target_link_libraries(polyvis-backend-${name} PRIVATE ${CMAKE_DL_LIBS} Threads::Threads m)
  install(TARGETS polyvis-backend-${name} LIBRARY DESTINATION ${POLYVIS_PLUGIN_INSTALL_DIR})
endfunction()

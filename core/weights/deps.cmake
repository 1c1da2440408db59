# core/weights: jansson parses and writes the safetensors JSON header (see
# docs/dependencies.md). zlib (already a core dependency) inflates deflated
# zip entries.
find_package(PkgConfig REQUIRED)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
list(APPEND PV_CORE_LIBS PkgConfig::JANSSON)

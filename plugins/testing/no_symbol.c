/* A shared library in the plugin directory that exports no query function. */
int pv_not_a_plugin(void) { return 42; }

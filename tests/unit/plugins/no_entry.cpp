// A shared object that is not a plugin: it exports no cpnas_plugin_entry.
extern "C" int not_a_plugin(void) {
  return 42;
}

// libsystemc references sc_main; libFuzzer owns main(). Harness executables link this.
#include <systemc>

int sc_main(int, char**) {
  return 0;
}

// Catch2's main for every test executable. libsystemc references sc_main, so a test
// binary must define one even though Catch2 owns main().
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <systemc> // declares sc_main extern "C"

int sc_main(int, char**) { return 0; }

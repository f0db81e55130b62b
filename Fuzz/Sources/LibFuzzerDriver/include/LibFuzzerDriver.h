// libFuzzer's entry point for programs that have their own main
// (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library). SwiftPM links every
// executable with main aliased to the module's own entry point, so libFuzzer's main cannot be
// used; each harness's @main calls this instead. libclang_rt.fuzzer (linked by
// -sanitize=fuzzer) defines it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size));

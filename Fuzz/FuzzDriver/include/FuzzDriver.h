#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver (LLVMFuzzerRunDriver) on `argc`/`argv` with `test` as the
/// target. SwiftPM names an executable's entry point <Module>_main and links `main` to
/// it, which leaves libFuzzer's own main out: each fuzz target's entry point calls this.
int ipvs_fuzz_main(int argc, char *_Nullable *_Nullable argv,
                   int (*_Nonnull test)(const uint8_t *_Nullable data, size_t size));

#endif

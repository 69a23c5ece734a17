/*
 * Debian's libbpf.a is compiled as position-independent *executable* code
 * (-fPIE), not -fPIC. PIE code reaches glibc's `stderr` variable with a
 * PC-relative relocation that assumes a copy relocation in an executable, which
 * a shared object (this addon) cannot have: the link fails with
 * "relocation R_X86_64_PC32 against symbol `stderr'". It is the only such
 * reference in libbpf.a (checked with readelf -r).
 *
 * Defining a hidden `stderr` inside the addon makes that relocation local.
 * It points at glibc's real stderr stream object, so libbpf's default print
 * function (only used before our own callback is installed) still writes to
 * fd 2. This file deliberately does not include <stdio.h>, whose
 * declaration of `stderr` would clash with this definition.
 */
struct _IO_FILE;
extern struct _IO_FILE _IO_2_1_stderr_;
__attribute__((visibility("hidden"))) struct _IO_FILE* stderr = &_IO_2_1_stderr_;

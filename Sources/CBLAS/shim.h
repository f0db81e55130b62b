// OpenBLAS's CBLAS interface (Debian's libopenblas-dev) as a Clang module.
#ifndef PERPLEXED_CBLAS_SHIM_H
#define PERPLEXED_CBLAS_SHIM_H
#include <cblas.h>
#endif

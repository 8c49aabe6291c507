// Thin shim over OpenBLAS: the CBLAS interface plus the thread-count control.
#pragma once
#include <cblas.h>

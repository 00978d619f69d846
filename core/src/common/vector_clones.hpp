#pragma once
// Function multiversioning for the kernels whose loops are bound by their arithmetic:
// SSE2 is the x86-64 baseline, so AVX2/FMA machines get a clone of their own, chosen once
// at load time (results differ across CPUs by rounding only).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SKACCEL_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SKACCEL_VECTOR_CLONES
#endif

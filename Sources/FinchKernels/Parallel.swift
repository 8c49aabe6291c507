import COpenBLAS
import Dispatch

/// How many threads the kernels use: OpenBLAS's pool for matrix products, and
/// `parallelFor` for the row-wise kernels (norms, softmax, cross-entropy).
///
/// Set once at start-up. Under MPI with one rank per core this is 1, so ranks
/// do not fight over cores.
public enum KernelThreads {
    nonisolated(unsafe) public private(set) static var count = 1

    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(Int32(count))
    }

    /// Runs `body` with OpenBLAS on one thread, for loops that are themselves parallel over many
    /// small matrix products (attention heads): nested threading would only add hand-offs.
    public static func withSerialBLAS<R>(_ body: () throws -> R) rethrows -> R {
        if count == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(count)) }
        return try body()
    }
}

/// Runs `body(i)` for `i in 0..<n`, split into contiguous chunks over `KernelThreads.count`
/// threads. Small loops run inline: a thread hand-off costs more than a few thousand flops.
@inline(__always)
public func parallelFor(_ n: Int, minPerThread: Int = 1, _ body: (Int) -> Void) {
    let threads = min(KernelThreads.count, n / max(1, minPerThread))
    if threads <= 1 {
        for i in 0..<n { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            let lo = n * t / threads, hi = n * (t + 1) / threads
            for i in lo..<hi { body(i) }
        }
    }
}

/// Runs `body(lo, hi)` over contiguous chunks of 0..<n, one per thread, for elementwise
/// kernels whose inner loop vectorises.
@inline(__always)
public func parallelChunks(_ n: Int, minPerThread: Int, _ body: (Int, Int) -> Void) {
    let threads = min(KernelThreads.count, n / max(1, minPerThread))
    if threads <= 1 { body(0, n); return }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            body(n * t / threads, n * (t + 1) / threads)
        }
    }
}

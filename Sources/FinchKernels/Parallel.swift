import COpenBLAS
import Dispatch

/// How many threads the kernels use. Every kernel, matrix products included, splits its work
/// over this many threads of one pool (libdispatch); OpenBLAS itself always runs on the calling
/// thread.
///
/// Why not OpenBLAS's own threads: its idle workers spin (`sched_yield`) between calls, so on
/// a machine with as many threads as cores they steal the cores that the row-wise kernels
/// between two products need. Measured on `tiny` at 2 threads: ~15% of the step.
///
/// Set once at start-up. Under MPI with one rank per core this is 1, so ranks do not fight
/// over cores.
public enum KernelThreads {
    nonisolated(unsafe) public private(set) static var count = 1

    public static func set(_ n: Int) {
        count = max(1, n)
        openblas_set_num_threads(1)
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

/// x[0..<n] = 0, split over the kernel threads: a backward pass clears several activation-sized
/// gradient buffers per layer, which on one thread leaves the others idle.
public func parallelZero(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    parallelChunks(n, minPerThread: 1 << 16) { lo, hi in (x + lo).update(repeating: 0, count: hi - lo) }
}

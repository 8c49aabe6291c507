import CFinchAVX512
import COpenBLAS
import FinchKernels
import Foundation

public struct PeakBenchResult: Codable, Sendable {
    public let cpu: String
    public let blas: String
    /// FP32 multiply-adds of Finch's 8-lane (256-bit) vector code on one core, in GFLOP/s.
    public let fma256_gflops: Double
    /// The same with 16-lane (512-bit) code, where the CPU has AVX-512: measured, because
    /// some AVX-512 cores have one 512-bit FMA unit and some two.
    public let fma512_gflops: Double?
    /// The core's FP32 peak: the widest of the two rates. MFU is reported against threads × this.
    public let peak_gflops_per_core: Double
    /// OpenBLAS sgemm of 1024×1024 matrices on one thread, in GFLOP/s.
    public let sgemm_gflops: Double
}

/// The CPU's FP32 peak, measured rather than assumed: a figure from one CPU does not carry to
/// another (AMD Zen 3 measures ~92–102 GFLOP/s per core at 256 bits; an AVX-512 Xeon ~74 at
/// 256 bits and more at 512).
public enum PeakFlops {
    nonisolated(unsafe) private static var sink: Float = 0

    /// Per core, measured once per process (about 0.1 s).
    public static let perCore: Double = measure().peak_gflops_per_core * 1e9

    public static func measure() -> PeakBenchResult {
        let fma = fma256GFLOPS()
        let wide = KernelISA.available.contains(.avx512) ? fma512GFLOPS() : nil
        return PeakBenchResult(cpu: CPUInfo.current.summary, blas: BLASKernel.summary, fma256_gflops: fma,
                               fma512_gflops: wide, peak_gflops_per_core: max(fma, wide ?? 0),
                               sgemm_gflops: sgemmGFLOPS(n: 1024))
    }

    /// Ten independent 8-lane FMA chains (enough to cover two FMA units' latency), best of 5.
    @inline(never)
    static func fma256GFLOPS(iterations: Int = 4_000_000) -> Double {
        var best = 0.0
        for _ in 0..<5 {
            let a = SIMD8<Float>(repeating: 0.999_999), b = SIMD8<Float>(repeating: 1e-7)
            var (c0, c1, c2, c3, c4) = (a, a * 0.5, a * 0.25, a * 0.125, a * 0.0625)
            var (c5, c6, c7, c8, c9) = (b, b * 2, b * 3, b * 4, b * 5)
            let t0 = DispatchTime.now().uptimeNanoseconds
            // c += a·b: ten dependent chains that stay finite (4M · 1e-7 added to each lane).
            for _ in 0..<iterations {
                c0.addProduct(a, b); c1.addProduct(a, b); c2.addProduct(a, b); c3.addProduct(a, b); c4.addProduct(a, b)
                c5.addProduct(a, b); c6.addProduct(a, b); c7.addProduct(a, b); c8.addProduct(a, b); c9.addProduct(a, b)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            sink = (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9).sum()  // keeps the loop from being removed
            best = max(best, Double(iterations) * 10 * 8 * 2 / seconds / 1e9)
        }
        return best
    }

    /// Twelve independent 16-lane FMA chains in `CFinchAVX512`, best of 5.
    static func fma512GFLOPS(iterations: Int = 2_000_000) -> Double? {
        #if arch(x86_64)
        var best = 0.0
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            sink = finch_avx512_fma_chains(iterations)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = max(best, Double(iterations) * 12 * 16 * 2 / seconds / 1e9)
        }
        return best
        #else
        return nil
        #endif
    }

    static func sgemmGFLOPS(n: Int) -> Double {
        openblas_set_num_threads(1)  // "on one thread": OpenBLAS would otherwise use its own pool
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = 0.0
        for _ in 0..<4 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n),
                        0, &c, Int32(n))
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = max(best, 2 * Double(n * n * n) / seconds / 1e9)
        }
        return best
    }
}

import Foundation

/// Which of Finch's own vector kernels run: the 8-lane code every x86-64 build is compiled
/// to (AVX2 + FMA), or, on a CPU with AVX-512, the 16-lane kernels of `CFinchAVX512`, which
/// carry their own target attributes so that one binary serves both kinds of CPU.
///
/// Chosen once, from the CPU's flags. `FINCH_KERNELS=avx2` keeps the 8-lane code on an
/// AVX-512 CPU (to compare the two, or so that nodes of different CPUs compute alike);
/// `FINCH_KERNELS=avx512` on a CPU without AVX-512 is refused with a warning, since its
/// instructions would kill the process.
public enum KernelISA: String, CaseIterable, Sendable {
    case avx2, avx512

    /// The paths this CPU can run, narrowest first: the kernel tests run each of them.
    public static var available: [KernelISA] { supported(on: .current) }

    static func supported(on cpu: CPUInfo) -> [KernelISA] {
        #if arch(x86_64)
        return cpu.hasAVX512 ? [.avx2, .avx512] : [.avx2]
        #else
        return [.avx2]
        #endif
    }

    /// The widest path `cpu` runs, unless `requested` (FINCH_KERNELS) names a narrower one.
    static func choose(for cpu: CPUInfo, requested: String?) -> (isa: KernelISA, warning: String?) {
        let paths = supported(on: cpu)
        guard let requested, !requested.isEmpty else { return (paths.last!, nil) }
        guard let isa = KernelISA(rawValue: requested.lowercased()) else {
            return (paths.last!, "FINCH_KERNELS=\(requested) is not one of avx2, avx512; using \(paths.last!)")
        }
        guard paths.contains(isa) else {
            return (paths.last!, "FINCH_KERNELS=\(requested): this CPU has no AVX-512; using \(paths.last!)")
        }
        return (isa, nil)
    }

    /// The path in use. Tests set it to run each available path; nothing else should.
    nonisolated(unsafe) public static var current: KernelISA = {
        let (isa, warning) = choose(for: .current, requested: ProcessInfo.processInfo.environment["FINCH_KERNELS"])
        if let warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        return isa
    }()

    /// "16-lane avx512" or "8-lane avx2 (FINCH_KERNELS=avx2)": for run headers and benchmarks.
    public static var summary: String {
        let lanes = current == .avx512 ? "16-lane avx512" : "8-lane avx2"
        let pinned = ProcessInfo.processInfo.environment["FINCH_KERNELS"].map { " (FINCH_KERNELS=\($0))" } ?? ""
        return lanes + pinned
    }
}

import COpenBLAS
import Foundation

/// Which OpenBLAS kernel the matrix products run, and choosing the best one for the CPU.
///
/// Debian's OpenBLAS is built with DYNAMIC_ARCH: at load time it picks a kernel for the CPU it
/// recognises, and a CPU newer than the build falls back far. 0.3.21 on an Intel Sapphire
/// Rapids names it `Prescott` (SSE3) and its sgemm runs at 17–30 GFLOP/s instead of ~150 with
/// the `Cooperlake` kernel — 4× slower training. The choice is made when the library loads,
/// before `main`, and only the `OPENBLAS_CORETYPE` environment variable changes it, so
/// `finch` checks first thing and, when the library chose a weaker kernel than the CPU
/// supports, runs itself again with that variable set (`ensureBestKernel`). A value the user
/// set is always kept; `FINCH_BLAS_CORE` names a kernel to use instead of the best one.
public enum BLASKernel {
    /// The kernel in use, as OpenBLAS names it (`Haswell`, `Zen`, `SkylakeX`, …).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The library and its build, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …".
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// OpenBLAS's x86-64 kernels in order of the instruction sets they use; a kernel is only
    /// ever chosen from here for a CPU that has its instructions (OpenBLAS itself accepts
    /// `OPENBLAS_CORETYPE=SkylakeX` on a CPU without AVX-512, which would crash).
    static let ladder: [(core: String, rank: Int)] = [
        ("Prescott", 1), ("Core2", 2), ("Penryn", 2), ("Dunnington", 2), ("Nehalem", 3), ("Barcelona", 3),
        ("Bulldozer", 4), ("Piledriver", 4), ("Steamroller", 4), ("Excavator", 4), ("Sandybridge", 4),
        ("Haswell", 5), ("Zen", 5), ("SkylakeX", 6), ("Cooperlake", 7), ("SapphireRapids", 8),
    ]

    static func rank(of core: String) -> Int? {
        ladder.first { $0.core.caseInsensitiveCompare(core) == .orderedSame }?.rank
    }

    /// The best kernel this OpenBLAS has for `cpu` (Cooperlake is the newest 0.3.21 runs).
    static func bestCore(for cpu: CPUInfo) -> String? {
        if cpu.hasAVX512BF16 { return "Cooperlake" }
        if cpu.hasAVX512 { return "SkylakeX" }
        if cpu.hasAVX2FMA { return "Haswell" }
        if cpu.flags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// Whether `core` uses only instructions `cpu` has.
    static func runs(_ core: String, on cpu: CPUInfo) -> Bool {
        guard let wanted = rank(of: core), let best = bestCore(for: cpu).flatMap(rank(of:)) else { return false }
        return wanted <= best
    }

    /// The kernel to switch to, or nil to keep the library's choice: the user's
    /// `FINCH_BLAS_CORE` if the CPU runs it, else the best kernel when the library's is weaker
    /// — never when `OPENBLAS_CORETYPE` is already set (by the user, or by an earlier run).
    static func switchTarget(detected: String, cpu: CPUInfo, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        if let requested = environment["FINCH_BLAS_CORE"], !requested.isEmpty {
            guard runs(requested, on: cpu), requested.caseInsensitiveCompare(detected) != .orderedSame else { return nil }
            return requested
        }
        guard let best = bestCore(for: cpu), let bestRank = rank(of: best) else { return nil }
        // A kernel this table does not know is newer than it: keep it.
        guard let detectedRank = rank(of: detected), detectedRank < bestRank else { return nil }
        return best
    }

    /// Runs this program again with `OPENBLAS_CORETYPE` set when `switchTarget` says so;
    /// returns when the kernel in use is to be kept. Call first in `main`, before MPI starts
    /// (the process keeps its PID, so `mpirun` sees nothing).
    public static func ensureBestKernel() {
        let environment = ProcessInfo.processInfo.environment
        guard let target = switchTarget(detected: coreName, cpu: .current, environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", target, 1)
        setenv("FINCH_BLAS_SWITCHED_FROM", coreName, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed: carry on with the library's kernel, and say so.
        FileHandle.standardError.write(Data("warning: could not restart with OPENBLAS_CORETYPE=\(target) (errno \(errno)); BLAS runs \(coreName)\n".utf8))
    }

    /// "OpenBLAS 0.3.21, kernel Cooperlake (chosen by Finch; the library picked Prescott)".
    public static var summary: String {
        let version = configuration.split(separator: " ").prefix(2).joined(separator: " ")
        let env = ProcessInfo.processInfo.environment
        let why: String
        if let from = env["FINCH_BLAS_SWITCHED_FROM"] {
            why = env["FINCH_BLAS_CORE"].map { "FINCH_BLAS_CORE=\($0); the library picked \(from)" }
                ?? "chosen by Finch for this CPU; the library picked \(from)"
        } else if let set = env["OPENBLAS_CORETYPE"] {
            why = "OPENBLAS_CORETYPE=\(set)"
        } else {
            why = "the library's choice"
        }
        return "\(version), kernel \(coreName) (\(why))"
    }
}

import Foundation

/// The processor this process runs on, as Linux reports it in /proc/cpuinfo: the model name
/// and the instruction-set features Finch and OpenBLAS care about. The flags there are what
/// both the CPU and the kernel support (AVX-512 needs the OS to save its registers), which
/// is what a kernel choice must respect.
public struct CPUInfo: Equatable, Sendable {
    public var modelName: String
    /// Lower-case /proc/cpuinfo flags, e.g. "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile".
    public var flags: Set<String>

    public init(modelName: String, flags: Set<String>) {
        self.modelName = modelName
        self.flags = flags
    }

    /// Parses /proc/cpuinfo text (the first processor's entry is enough: all are alike here).
    public init(cpuinfo text: String) {
        var name = "unknown CPU", flags = Set<String>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "model name", name == "unknown CPU" { name = parts[1] }
            if parts[0] == "flags", flags.isEmpty { flags = Set(parts[1].split(separator: " ").map(String.init)) }
        }
        self.init(modelName: name, flags: flags)
    }

    public static let current = CPUInfo(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    public var hasAVX2FMA: Bool { flags.isSuperset(of: ["avx2", "fma"]) }
    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    public var hasAVX512: Bool { flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) }
    public var hasAVX512BF16: Bool { hasAVX512 && flags.contains("avx512_bf16") }
    public var hasAMX: Bool { flags.isSuperset(of: ["amx_tile", "amx_bf16"]) }

    /// The vector features that matter for speed, widest last: "avx2 fma avx512 avx512_bf16 amx".
    public var vectorFeatures: String {
        var names: [String] = []
        if flags.contains("avx") { names.append("avx") }
        if hasAVX2FMA { names.append("avx2 fma") }
        if hasAVX512 { names.append("avx512") }
        if hasAVX512BF16 { names.append("avx512_bf16") }
        if hasAMX { names.append("amx") }
        return names.isEmpty ? "sse" : names.joined(separator: " ")
    }

    /// "AMD EPYC (avx avx2 fma)": how run headers and benchmarks name the CPU.
    public var summary: String { "\(modelName) (\(vectorFeatures))" }
}

import XCTest
@testable import FinchKernels

/// Choosing OpenBLAS's kernel from the CPU's features: the decision for CPUs this machine may
/// not be (an AVX-512 Xeon that OpenBLAS 0.3.21 mistakes for a Prescott), and the restart
/// that applies it, run for real through the `finch` executable.
final class BLASKernelTests: XCTestCase {
    private let sapphireRapids = CPUInfo(modelName: "Intel Xeon", flags: [
        "sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16", "amx_tile", "amx_bf16"])
    private let zen3 = CPUInfo(modelName: "AMD EPYC", flags: ["sse3", "avx", "avx2", "fma"])
    private let skylake = CPUInfo(modelName: "Intel Xeon", flags: ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"])

    func testParsesProcCPUInfo() {
        let cpu = CPUInfo(cpuinfo: "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse3 avx avx2 fma\n\nprocessor\t: 1\nmodel name\t: other\n")
        XCTAssertEqual(cpu.modelName, "AMD EPYC")
        XCTAssertTrue(cpu.hasAVX2FMA)
        XCTAssertFalse(cpu.hasAVX512)
        XCTAssertEqual(cpu.summary, "AMD EPYC (avx avx2 fma)")
        XCTAssertEqual(sapphireRapids.vectorFeatures, "avx avx2 fma avx512 avx512_bf16 amx")
    }

    func testSwitchesOnlyWhenTheLibraryChoseAWeakerKernel() {
        XCTAssertEqual(BLASKernel.switchTarget(detected: "Prescott", cpu: sapphireRapids, environment: [:]), "Cooperlake")
        XCTAssertEqual(BLASKernel.switchTarget(detected: "Haswell", cpu: skylake, environment: [:]), "SkylakeX")
        XCTAssertEqual(BLASKernel.switchTarget(detected: "Prescott", cpu: zen3, environment: [:]), "Haswell")
        XCTAssertNil(BLASKernel.switchTarget(detected: "Zen", cpu: zen3, environment: [:]), "Zen is as good as Haswell")
        XCTAssertNil(BLASKernel.switchTarget(detected: "Cooperlake", cpu: sapphireRapids, environment: [:]))
        XCTAssertNil(BLASKernel.switchTarget(detected: "SomethingNewer", cpu: sapphireRapids, environment: [:]),
                     "a kernel the table does not know is newer than it")
    }

    func testKeepsWhatTheUserSetAndNeverPicksAKernelTheCPULacks() {
        XCTAssertNil(BLASKernel.switchTarget(detected: "Prescott", cpu: sapphireRapids, environment: ["OPENBLAS_CORETYPE": "Prescott"]))
        XCTAssertEqual(BLASKernel.switchTarget(detected: "Zen", cpu: zen3, environment: ["FINCH_BLAS_CORE": "Sandybridge"]), "Sandybridge")
        XCTAssertNil(BLASKernel.switchTarget(detected: "Zen", cpu: zen3, environment: ["FINCH_BLAS_CORE": "SkylakeX"]),
                     "SkylakeX needs AVX-512, which this CPU lacks")
        XCTAssertNil(BLASKernel.switchTarget(detected: "Zen", cpu: zen3, environment: ["FINCH_BLAS_CORE": "NoSuchCore"]))
    }

    /// `finch` restarts itself with `OPENBLAS_CORETYPE` set before anything runs, and says so.
    func testFinchRestartsWithTheKernelItChose() throws {
        let finch = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("finch")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: finch.path), "no finch executable beside the tests (swift build builds it)")
        func peakHeader(_ environment: [String: String]) throws -> String {
            let process = Process()
            process.executableURL = finch
            process.arguments = ["bench", "peak"]
            var env = ProcessInfo.processInfo.environment
            env["OPENBLAS_CORETYPE"] = nil
            env.merge(environment) { $1 }
            process.environment = env
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            process.waitUntilExit()
            return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        // Sandybridge runs on every AVX machine (every x86-64 machine Finch supports), so the
        // restart is exercised on any of them.
        XCTAssertTrue(CPUInfo.current.flags.contains("avx"))
        let forced = try peakHeader(["FINCH_BLAS_CORE": "Sandybridge"])
        XCTAssertTrue(forced.contains("kernel Sandybridge (FINCH_BLAS_CORE=Sandybridge; the library picked"), forced)
        let kept = try peakHeader(["OPENBLAS_CORETYPE": "Nehalem", "FINCH_BLAS_CORE": "Sandybridge"])
        XCTAssertTrue(kept.contains("kernel Nehalem (OPENBLAS_CORETYPE=Nehalem)"), kept)
    }
}

import XCTest
@testable import FinchKernels

/// Runs `body` once for each kernel path this CPU has (8-lane AVX2 everywhere, 16-lane
/// AVX-512 where the CPU has it), so a kernel test checks every path the binary can take here;
/// says which paths ran, so a log shows when the AVX-512 path was not exercised.
func forEachKernelPath(_ name: String = #function, _ body: (KernelISA) throws -> Void) rethrows {
    let saved = KernelISA.current
    defer { KernelISA.current = saved }
    for isa in KernelISA.available {
        KernelISA.current = isa
        try body(isa)
    }
    print("\(name): ran kernel paths \(KernelISA.available.map(\.rawValue).joined(separator: ", "))")
}

/// Choosing the kernel path from the CPU's flags and `FINCH_KERNELS`.
final class KernelISATests: XCTestCase {
    private let zen3 = CPUInfo(modelName: "AMD EPYC", flags: ["avx", "avx2", "fma"])
    private let sapphireRapids = CPUInfo(modelName: "Intel Xeon", flags: [
        "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16"])

    func testWidestPathUnlessANarrowerOneIsAskedFor() {
        #if arch(x86_64)
        XCTAssertEqual(KernelISA.choose(for: sapphireRapids, requested: nil).isa, .avx512)
        XCTAssertEqual(KernelISA.choose(for: sapphireRapids, requested: "avx2").isa, .avx2)
        XCTAssertEqual(KernelISA.choose(for: zen3, requested: nil).isa, .avx2)
        let refused = KernelISA.choose(for: zen3, requested: "avx512")
        XCTAssertEqual(refused.isa, .avx2, "AVX-512 instructions on this CPU would kill the process")
        XCTAssertEqual(refused.warning, "FINCH_KERNELS=avx512: this CPU has no AVX-512; using avx2")
        XCTAssertEqual(KernelISA.choose(for: zen3, requested: "sse").warning, "FINCH_KERNELS=sse is not one of avx2, avx512; using avx2")
        #endif
    }

    /// The flags agree with what the processor itself says it runs.
    func testAvailablePathsMatchTheProcessor() {
        #if arch(x86_64)
        XCTAssertEqual(KernelISA.available.contains(.avx512), CPUInfo.current.hasAVX512)
        print("this CPU: \(CPUInfo.current.summary); kernel paths \(KernelISA.available.map(\.rawValue))")
        #endif
    }
}

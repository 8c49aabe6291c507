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

/// The elementwise kernels' 16-lane code does the 8-lane code's operations in the same order,
/// so the two paths must agree bit for bit (a run's numbers do not depend on the CPU kind).
/// Inputs span GELU's tails and exp's clamping (|x| up to 60), and lengths leave tails.
final class KernelPathAgreementTests: XCTestCase {
    private func onEachPath<T: Equatable>(_ what: String, _ run: () -> T) {
        var results: [(KernelISA, T)] = []
        forEachKernelPath(what) { isa in results.append((isa, run())) }
        for (isa, result) in results.dropFirst() {
            XCTAssertTrue(result == results[0].1, "\(what): \(isa) differs from \(results[0].0)")
        }
        if results.count < 2 { print("\(what): only one kernel path on this CPU; nothing to compare") }
    }

    func testGeluAndAdamWGiveTheSameBitsOnEveryPath() {
        var rng = RNG(seed: 61)
        let N = 1_003
        var inp = rng.normals(N, scale: 4)
        inp[0] = 60; inp[1] = -60; inp[2] = 0; inp[3] = -0.0
        let dout = rng.normals(N), start = rng.normals(N)
        onEachPath("gelu forward") { () -> [Float] in
            var out = zeros(N)
            geluForward(out: &out, inp: inp, N: N)
            return out
        }
        onEachPath("gelu backward") { () -> [Float] in
            var dinp = start
            geluBackward(dinp: &dinp, inp: inp, dout: dout, N: N)
            return dinp
        }
        let grads = rng.normals(N), params = rng.normals(N)
        onEachPath("adamw") { () -> [[Float]] in
            var p = params, m = zeros(N), v = zeros(N)
            for step in 1...3 {
                adamwStep(params: &p, grads: grads, m: &m, v: &v, N: N, step: step, lr: 1e-2,
                          config: AdamWConfig(weightDecay: 0.1), decay: true)
            }
            return [p, m, v]
        }
    }
}

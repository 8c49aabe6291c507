import XCTest
@testable import FinchKernels

/// The parallel paths must not change results. `parallelFor` kernels split work by rows, never
/// a sum, so one and two threads must agree bit for bit; shapes are large enough to pass each
/// kernel's `minPerThread`, so the second thread really runs. Attention's products are sgemm
/// calls too, but each (batch row, kv head) unit runs whole on one thread with the same calls, so it
/// is bit-identical as well. Matrix products split a product into sgemm calls of other shapes,
/// or split a sum, so they are held to reproducibility at a fixed thread count and to agreement
/// within Float rounding across counts.
final class KernelThreadsTests: XCTestCase {
    override func tearDown() {
        KernelThreads.set(1)
        super.tearDown()
    }

    /// Runs `body` on one thread and on two, and requires identical outputs.
    func assertSameOnOneAndTwoThreads(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                                      _ body: () -> [Float]) {
        KernelThreads.set(1)
        let one = body()
        KernelThreads.set(2)
        XCTAssertEqual(KernelThreads.count, 2)
        let two = body()
        KernelThreads.set(1)
        XCTAssertFalse(one.isEmpty || one.contains { !$0.isFinite }, "\(name): outputs must be finite",
                       file: file, line: line)
        let differing = zip(one, two).filter { $0 != $1 }.count
        print("\(name): \(differing) of \(one.count) values differ between 1 and 2 threads")
        XCTAssertTrue(one == two, "\(name): \(differing) values differ between 1 and 2 threads", file: file, line: line)
    }

    func testNormsAgreeAcrossThreadCounts() {
        var rng = RNG(seed: 121)
        let N = 64, C = 33
        let inp = rng.normals(N * C), weight = rng.normals(C), bias = rng.normals(C), dout = rng.normals(N * C)
        assertSameOnOneAndTwoThreads("layernorm") {
            var out = zeros(N * C), mean = zeros(N), rstd = zeros(N)
            var dinp = zeros(N * C), dweight = zeros(C), dbias = zeros(C)
            layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: inp, weight: weight, bias: bias,
                             N: N, C: C, eps: 1e-5)
            layerNormBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight,
                              mean: mean, rstd: rstd, N: N, C: C)
            return out + mean + rstd + dinp + dweight + dbias
        }
        assertSameOnOneAndTwoThreads("rmsnorm") {
            var out = zeros(N * C), rstd = zeros(N), dinp = zeros(N * C), dweight = zeros(C)
            rmsNormForward(out: &out, rstd: &rstd, inp: inp, weight: weight, N: N, C: C, eps: 1e-6)
            rmsNormBackward(dinp: &dinp, dweight: &dweight, dout: dout, inp: inp, weight: weight, rstd: rstd,
                            N: N, C: C)
            return out + rstd + dinp + dweight
        }
    }

    func testActivationsAgreeAcrossThreadCounts() {
        var rng = RNG(seed: 122)
        let N = 40_000
        let inp = rng.normals(N, scale: 2), dout = rng.normals(N)
        assertSameOnOneAndTwoThreads("gelu") {
            var out = zeros(N), dinp = zeros(N)
            geluForward(out: &out, inp: inp, N: N)
            geluBackward(dinp: &dinp, inp: inp, dout: dout, N: N)
            return out + dinp
        }
        let rows = 64, H = 9
        let gateUp = rng.normals(rows * 2 * H), dgated = rng.normals(rows * H)
        assertSameOnOneAndTwoThreads("swiglu") {
            var out = zeros(rows * H), dinp = zeros(rows * 2 * H)
            swigluForward(out: &out, inp: gateUp, N: rows, H: H)
            swigluBackward(dinp: &dinp, inp: gateUp, dout: dgated, N: rows, H: H)
            return out + dinp
        }
    }

    func testRopeAndLogSoftmaxAgreeAcrossThreadCounts() {
        var rng = RNG(seed: 123)
        let N = 64, heads = 2, headDim = 8
        let table = RopeTable(headDim: headDim, maxPositions: N, theta: 10_000)
        let x = rng.normals(N * heads * headDim), positions = (0..<N).map { Int32($0) }
        assertSameOnOneAndTwoThreads("rope") {
            var y = x
            ropeApply(&y, positions: positions, N: N, heads: heads, rowStride: heads * headDim, table: table)
            return y
        }
        let rows = 16, V = 50
        let logits = rng.normals(rows * V, scale: 3), targets = rng.integers(rows, below: V)
        let dlogprobs = rng.normals(rows), dentropy = rng.normals(rows)
        assertSameOnOneAndTwoThreads("logsoftmax") {
            var probs = logits, logprobs = zeros(rows), entropy = zeros(rows)
            logSoftmaxForward(logits: &probs, targets: targets, logprobs: &logprobs, entropy: &entropy, N: rows, V: V)
            let forward = probs + logprobs + entropy
            logSoftmaxBackward(probs: &probs, targets: targets, dlogprobs: dlogprobs, dentropy: dentropy,
                               entropy: entropy, N: rows, V: V)
            return forward + probs
        }
    }

    /// Attention threads take (batch row, kv head) units: two rows make two units, so the second
    /// thread runs (with one unit it would not). Scratch holds one T × T slab per thread.
    func testAttentionAgreesAcrossThreadCounts() {
        var rng = RNG(seed: 124)
        let B = 2, T = 70, nh = 2, nkv = 1, hd = 8
        let shape = AttentionShape.fused(batch: B, seqLen: T, numHeads: nh, numKVHeads: nkv, headDim: hd)
        let qkv = rng.normals(B * T * (nh + 2 * nkv) * hd), dout = rng.normals(B * T * nh * hd)
        assertSameOnOneAndTwoThreads("attention") {
            var out = zeros(B * T * nh * hd), probs = zeros(B * nh * T * T), scratch = zeros(2 * T * T)
            var dqkv = zeros(qkv.count)
            qkv.withUnsafeBufferPointer { p in
                dqkv.withUnsafeMutableBufferPointer { d in
                    let q = p.baseAddress!, dq = d.baseAddress!
                    attentionForward(out: &out, probs: &probs, q: q, k: q + nh * hd, v: q + (nh + nkv) * hd,
                                     shape: shape)
                    attentionBackward(dq: dq, dk: dq + nh * hd, dv: dq + (nh + nkv) * hd, scratch: &scratch,
                                      dout: dout, probs: probs, q: q, k: q + nh * hd, v: q + (nh + nkv) * hd,
                                      shape: shape)
                }
            }
            return out + probs + dqkv
        }
    }

    /// Finch splits a product itself and runs each share as one single-threaded sgemm
    /// (`KernelThreads.set` turns OpenBLAS's own threads off), so at a fixed thread count a
    /// product repeats bit for bit by construction. Across thread counts the shares change: the
    /// forward and dinp split rows, dW splits its rows or, from 1024 tokens on, the tokens (two
    /// partial sums added: a different summation by design), and sgemm may sum a share in another
    /// order than the whole (its kernel and blocking depend on the shape). So 1 and 2 threads are
    /// held to agreement within rounding: each is within γₙ · Σ|terms| of the exact product
    /// (`floatSumBound`), so they differ by at most twice that. Both shapes are at or above
    /// Finch's threshold for splitting a product (2²⁰ multiply-adds), so the second thread runs;
    /// the second takes dW's token split.
    func testMatmulIsReproducibleAndAgreesAcrossThreadCounts() {
        var rng = RNG(seed: 126)
        for (N, C, OC) in [(128, 96, 96), (1024, 32, 32)] {
            let inp = rng.normals(N * C), weight = rng.normals(OC * C), bias = rng.normals(OC)
            let dout = rng.normals(N * OC)
            func run() -> [[Float]] {
                var out = zeros(N * OC), dinp = zeros(N * C), dweight = zeros(OC * C), dbias = zeros(OC)
                matmulForward(out: &out, inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC)
                matmulBackward(dinp: &dinp, dweight: &dweight, dbias: &dbias, dout: dout, inp: inp, weight: weight,
                               N: N, C: C, OC: OC)
                return [out, dinp, dweight, dbias]
            }
            KernelThreads.set(1)
            let one = run()
            KernelThreads.set(2)
            let two = run(), twoAgain = run()
            KernelThreads.set(1)
            XCTAssertTrue(two == twoAgain, "matmul on 2 threads must repeat bit for bit")
            let backward = MatmulTests.backwardReference(inp: absolutes(inp), weight: absolutes(weight),
                                                         dout: absolutes(dout), N: N, C: C, OC: OC, layout: .outIn)
            let magnitudes = [MatmulTests.magnitude(inp: inp, weight: weight, bias: bias, N: N, C: C, OC: OC,
                                                    layout: .outIn),
                              backward.dinp, backward.dweight, backward.dbias]
            let terms = [C + 1, OC + 1, N + 1, N + 1]
            for (k, part) in ["out", "dinp", "dweight", "dbias"].enumerated() {
                let differing = zip(one[k], two[k]).filter { $0 != $1 }.count
                assertWithinRounding("matmul \(N)×\(C)×\(OC) \(part), 2 threads vs 1 (\(differing) of \(one[k].count) differ)",
                                     two[k], doubles(one[k]), magnitude: magnitudes[k],
                                     bound: 2 * floatSumBound(terms: terms[k]))
            }
        }
    }

    func testAdamWAgreesAcrossThreadCounts() {
        var rng = RNG(seed: 125)
        let N = 70_000
        let initial = rng.normals(N), grads = rng.normals(N)
        assertSameOnOneAndTwoThreads("adamw") {
            var params = initial, m = zeros(N), v = zeros(N)
            for step in 1...2 {
                adamwStep(params: &params, grads: grads, m: &m, v: &v, N: N, step: step, lr: 1e-3,
                          config: AdamWConfig(weightDecay: 0.1), decay: true)
            }
            return params + m + v
        }
    }
}

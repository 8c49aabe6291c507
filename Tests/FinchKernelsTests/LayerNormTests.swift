import XCTest
@testable import FinchKernels

/// layerNormForward/layerNormBackward (GPT-2), with and without bias.
final class LayerNormTests: XCTestCase {
    let N = 5, C = 7
    let eps: Float = 1e-5

    /// (x − mean)/√(var + eps) · weight + bias per row, with the biased variance as in PyTorch.
    func reference(_ x: [Double], weight: [Double], bias: [Double]?) -> [Double] {
        var out = [Double](repeating: 0, count: N * C)
        for n in 0..<N {
            let row = x[n * C..<(n + 1) * C]
            let mean = row.reduce(0, +) / Double(C)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(C)
            let rstd = 1 / (variance + Double(eps)).squareRoot()
            for c in 0..<C { out[n * C + c] = (x[n * C + c] - mean) * rstd * weight[c] + (bias?[c] ?? 0) }
        }
        return out
    }

    /// Inputs with a non-zero mean and a spread of scales, so centring and scaling both matter.
    func inputs(_ rng: inout RNG) -> [Float] {
        (0..<N * C).map { i in rng.normal() * Float(1 + i % 3) + 0.5 }
    }

    func testForwardMatchesReferenceAndSavesStatistics() {
        var rng = RNG(seed: 31)
        for hasBias in [true, false] {
            let inp = inputs(&rng), weight = rng.normals(C), bias: [Float]? = hasBias ? rng.normals(C) : nil
            var out = zeros(N * C), mean = zeros(N), rstd = zeros(N)
            withOptionalPointer(bias) { b in
                layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: inp, weight: weight, bias: b,
                                 N: N, C: C, eps: eps)
            }
            let x = doubles(inp)
            assertClose("layernorm forward bias=\(hasBias)", out,
                        reference(x, weight: doubles(weight), bias: bias.map(doubles)))
            let means = (0..<N).map { n in x[n * C..<(n + 1) * C].reduce(0, +) / Double(C) }
            let rstds = (0..<N).map { n in
                1 / (x[n * C..<(n + 1) * C].map { ($0 - means[n]) * ($0 - means[n]) }.reduce(0, +) / Double(C)
                     + Double(eps)).squareRoot()
            }
            assertClose("layernorm saved mean", mean, means)
            assertClose("layernorm saved rstd", rstd, rstds)
        }
    }

    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 32)
        for hasBias in [true, false] {
            let inp = inputs(&rng), weight = rng.normals(C), bias = rng.normals(C), dout = rng.normals(N * C)
            var out = zeros(N * C), mean = zeros(N), rstd = zeros(N)
            layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: inp, weight: weight,
                             bias: hasBias ? bias : nil, N: N, C: C, eps: eps)
            var dinp = zeros(N * C), dweight = zeros(C)
            var dbias: [Float]? = hasBias ? zeros(C) : nil
            withOptionalMutablePointer(&dbias) { db in
                layerNormBackward(dinp: &dinp, dweight: &dweight, dbias: db, dout: dout, inp: inp, weight: weight,
                                  mean: mean, rstd: rstd, N: N, C: C)
            }

            let x = doubles(inp), w = doubles(weight), b: [Double]? = hasBias ? doubles(bias) : nil
            assertClose("layernorm dinp bias=\(hasBias)", dinp,
                        numericalGradient(at: x) { dot(reference($0, weight: w, bias: b), dout) })
            assertClose("layernorm dweight bias=\(hasBias)", dweight,
                        numericalGradient(at: w) { dot(reference(x, weight: $0, bias: b), dout) })
            if let b, let dbias {
                assertClose("layernorm dbias", dbias,
                            numericalGradient(at: b) { dot(reference(x, weight: w, bias: $0), dout) })
            }

            var dinp2 = dinp, dweight2 = dweight, dbias2 = dbias
            withOptionalMutablePointer(&dbias2) { db in
                layerNormBackward(dinp: &dinp2, dweight: &dweight2, dbias: db, dout: dout, inp: inp, weight: weight,
                                  mean: mean, rstd: rstd, N: N, C: C)
            }
            assertAccumulates("layernorm dinp", once: dinp, twice: dinp2)
            assertAccumulates("layernorm dweight", once: dweight, twice: dweight2)
            if let dbias, let dbias2 { assertAccumulates("layernorm dbias", once: dbias, twice: dbias2) }
        }
    }
}

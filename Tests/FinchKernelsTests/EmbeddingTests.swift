import XCTest
@testable import FinchKernels

/// embeddingForward/embeddingBackward, with learned positions (GPT-2) and without (rotary models).
final class EmbeddingTests: XCTestCase {
    let N = 7, C = 5, vocab = 6, maxPositions = 9
    /// Repeated tokens and positions, so the backward must add, not overwrite, into shared rows.
    let tokens: [Int32] = [3, 0, 3, 5, 1, 3, 0]
    let positions: [Int32] = [4, 5, 6, 0, 4, 8, 1]

    /// out[n, c] = wte[token n, c] + wpe[position n, c]
    func reference(wte: [Double], wpe: [Double]?) -> [Double] {
        (0..<N * C).map { i in
            let n = i / C, c = i % C
            return wte[Int(tokens[n]) * C + c] + (wpe?[Int(positions[n]) * C + c] ?? 0)
        }
    }

    func testForwardMatchesLookup() {
        var rng = RNG(seed: 21)
        let wte = rng.normals(vocab * C), wpe = rng.normals(maxPositions * C)
        var out = rng.normals(N * C)
        embeddingForward(out: &out, tokens: tokens, positions: positions, wte: wte, wpe: wpe, N: N, C: C)
        assertClose("embedding forward with positions", out, reference(wte: doubles(wte), wpe: doubles(wpe)))

        var rotary = rng.normals(N * C)
        embeddingForward(out: &rotary, tokens: tokens, positions: positions, wte: wte, wpe: nil, N: N, C: C)
        assertClose("embedding forward without positions", rotary, reference(wte: doubles(wte), wpe: nil))
    }

    func testBackwardMatchesFiniteDifferences() {
        var rng = RNG(seed: 22)
        let wte = rng.normals(vocab * C), wpe = rng.normals(maxPositions * C), dout = rng.normals(N * C)
        var dwte = zeros(vocab * C), dwpe = zeros(maxPositions * C)
        embeddingBackward(dwte: &dwte, dwpe: &dwpe, dout: dout, tokens: tokens, positions: positions, N: N, C: C)
        let e = doubles(wte), p = doubles(wpe)
        assertClose("embedding dwte", dwte, numericalGradient(at: e) { dot(reference(wte: $0, wpe: p), dout) })
        assertClose("embedding dwpe", dwpe, numericalGradient(at: p) { dot(reference(wte: e, wpe: $0), dout) })

        var dwte2 = dwte, dwpe2 = dwpe
        embeddingBackward(dwte: &dwte2, dwpe: &dwpe2, dout: dout, tokens: tokens, positions: positions, N: N, C: C)
        assertAccumulates("embedding dwte", once: dwte, twice: dwte2)
        assertAccumulates("embedding dwpe", once: dwpe, twice: dwpe2)
    }

    /// Without a position table only the token rows receive gradient.
    func testBackwardWithoutPositionsMatchesFiniteDifferences() {
        var rng = RNG(seed: 23)
        let wte = rng.normals(vocab * C), dout = rng.normals(N * C)
        var dwte = zeros(vocab * C)
        embeddingBackward(dwte: &dwte, dwpe: nil, dout: dout, tokens: tokens, positions: positions, N: N, C: C)
        assertClose("embedding dwte without positions", dwte,
                    numericalGradient(at: doubles(wte)) { dot(reference(wte: $0, wpe: nil), dout) })
    }
}

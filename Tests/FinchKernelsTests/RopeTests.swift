import Foundation
import XCTest
@testable import FinchKernels

/// ropeApply in Hugging Face's "rotate half" convention, and its inverse as the backward pass.
final class RopeTests: XCTestCase {
    let N = 5, heads = 3, headDim = 6, theta: Float = 10_000
    /// Rows are wider than the rotated heads (like q heads inside a fused qkv row): the tail stays put.
    var rowStride: Int { heads * headDim + 4 }
    let positions: [Int32] = [0, 1, 7, 3, 15]

    /// Element i pairs with i + D/2 and the pair turns by pos · θ^(−2i/D), computed in Double.
    func reference(_ x: [Double]) -> [Double] {
        var out = x
        let half = headDim / 2
        for n in 0..<N {
            for h in 0..<heads {
                let base = n * rowStride + h * headDim
                for i in 0..<half {
                    let angle = Double(positions[n]) * pow(Double(theta), -2 * Double(i) / Double(headDim))
                    let a = x[base + i], b = x[base + i + half]
                    out[base + i] = a * cos(angle) - b * sin(angle)
                    out[base + i + half] = b * cos(angle) + a * sin(angle)
                }
            }
        }
        return out
    }

    func testForwardMatchesRotateHalfReference() {
        var rng = RNG(seed: 61)
        let table = RopeTable(headDim: headDim, maxPositions: 16, theta: theta)
        let inp = rng.normals(N * rowStride)
        var x = inp
        ropeApply(&x, positions: positions, N: N, heads: heads, rowStride: rowStride, table: table)
        assertClose("rope forward", x, reference(doubles(inp)))
        for n in 0..<N {
            let tail = (n * rowStride + heads * headDim)..<((n + 1) * rowStride)
            XCTAssertEqual(x[tail], inp[tail], "row \(n): columns after the heads must not move")
        }
    }

    /// D = 4, θ = 100, position 2: the frequencies are 1 and 100^(−1/2) = 0.1, so x0 pairs with x2
    /// at angle 2 and x1 pairs with x3 at angle 0.2. An interleaved (x0, x1) pairing would differ.
    func testHandComputedRotateHalfExample() {
        let table = RopeTable(headDim: 4, maxPositions: 3, theta: 100)
        var x: [Float] = [1, 2, 3, 4]
        ropeApply(&x, positions: [2], N: 1, heads: 1, rowStride: 4, table: table)
        let expected: [Double] = [1 * cos(2.0) - 3 * sin(2.0),
                                  2 * cos(0.2) - 4 * sin(0.2),
                                  3 * cos(2.0) + 1 * sin(2.0),
                                  4 * cos(0.2) + 2 * sin(0.2)]
        assertClose("rope hand example", x, expected, tolerance: 1e-6)
        assertClose("rope table cos", Array(table.cos[4..<6]), [cos(2.0), cos(0.2)], tolerance: 1e-6)
        assertClose("rope table sin", Array(table.sin[4..<6]), [sin(2.0), sin(0.2)], tolerance: 1e-6)
    }

    func testInverseUndoesRotation() {
        var rng = RNG(seed: 62)
        let table = RopeTable(headDim: headDim, maxPositions: 16, theta: theta)
        let inp = rng.normals(N * rowStride)
        var x = inp
        ropeApply(&x, positions: positions, N: N, heads: heads, rowStride: rowStride, table: table)
        XCTAssertNotEqual(x, inp, "non-zero positions must rotate")
        ropeApply(&x, positions: positions, N: N, heads: heads, rowStride: rowStride, table: table, inverse: true)
        assertClose("rope round trip", x, doubles(inp), tolerance: 1e-5)
    }

    /// The backward of a rotation is the inverse rotation applied to the upstream gradient.
    func testInverseIsTheBackward() {
        var rng = RNG(seed: 63)
        let table = RopeTable(headDim: headDim, maxPositions: 16, theta: theta)
        let inp = rng.normals(N * rowStride), dout = rng.normals(N * rowStride)
        var dinp = dout
        ropeApply(&dinp, positions: positions, N: N, heads: heads, rowStride: rowStride, table: table, inverse: true)
        assertClose("rope dinp", dinp, numericalGradient(at: doubles(inp)) { dot(reference($0), dout) })
    }
}

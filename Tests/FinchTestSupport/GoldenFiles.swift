import Foundation
import FinchModel

/// A committed fixture under Tests/Fixtures/ (`hf-golden/gpt2`), found from this file's path so
/// tests run from any directory.
public func goldenFixture(_ relativePath: String) -> URL {
    URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // FinchTestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/\(relativePath)")
}

/// Every parameter from a SplitMix64 stream, independent of Finch's own initialisation so the
/// committed bytes change only when the writer does. Norm weights and biases are non-trivial, so
/// transformers misreading any tensor shows in the logits.
public func fillDeterministically(_ model: Transformer, seed: UInt64) {
    var state = seed
    func uniform() -> Float {  // [-1, 1), exactly representable
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
    for v in model.layout.views {
        let p = model.params.pointer + v.offset
        let isNormWeight = (v.name.contains("ln_") || v.name.contains("norm")) && v.name.hasSuffix("weight")
        let isEmbedding = v.name.contains("wte") || v.name.contains("embed_tokens") || v.name.contains("lm_head")
        for i in 0..<v.count {
            let u = uniform()
            if isNormWeight { p[i] = 1 + 0.3 * u }
            else if v.shape.count == 1 { p[i] = 0.2 * u }
            else if isEmbedding { p[i] = 0.5 * u }
            else if v.name.contains("wpe") { p[i] = 0.2 * u }
            else { p[i] = 0.25 * u }
        }
    }
}

/// FNV-1a, 64 bits, as the script computes it, to tie a golden file to the bytes it was computed from.
public func fnv1a64(_ data: Data) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

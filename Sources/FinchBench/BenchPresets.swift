import FinchAlgorithms
import FinchTrain
import FinchModel

/// The nanoGPT-style GPT shapes that `finch bench` and `../shared/bench/torch_gpt_bench.py`
/// both run, so their figures compare like for like.
public struct BenchPreset: Sendable {
    public let name: String
    public let config: ModelConfig
    public let batch: Int
    public let seqLen: Int

    public static let all: [BenchPreset] = [
        BenchPreset(name: "tiny", config: gpt(layers: 4, heads: 4, width: 256, vocab: 512, block: 128), batch: 16, seqLen: 128),
        BenchPreset(name: "char6", config: gpt(layers: 6, heads: 6, width: 384, vocab: 65, block: 256), batch: 8, seqLen: 256),
        // The 1.9M-parameter GPT-2 of the GRPO comparison with TRL (`finch bench rollouts`).
        BenchPreset(name: "grpo-small", config: gpt(layers: 4, heads: 4, width: 192, vocab: 262, block: 256), batch: 8, seqLen: 256),
        BenchPreset(name: "gpt2-124m", config: gpt(layers: 12, heads: 12, width: 768, vocab: 50304, block: 1024), batch: 4, seqLen: 64),
    ]

    public static func named(_ name: String) -> BenchPreset? {
        all.first { $0.name == name || ($0.name == "gpt2-124m" && name == "gpt2") }
    }

    private static func gpt(layers: Int, heads: Int, width: Int, vocab: Int, block: Int) -> ModelConfig {
        ModelConfig(family: .gpt2, vocabSize: vocab, hiddenSize: width, numLayers: layers, numHeads: heads,
                    maxPositions: block)
    }
}

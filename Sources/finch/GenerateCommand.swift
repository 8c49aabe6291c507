import ArgumentParser
import FinchData
import FinchModel
import FinchTrain
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate a completion from a checkpoint.")

    @Option(help: "Checkpoint directory (config.json, model.safetensors, tokenizer.json).") var checkpoint: String
    @Option(help: "Prompt text; the chat template's prompt part is applied.") var prompt: String
    @Option(help: "Maximum new tokens.") var maxNewTokens = 128
    @Option(help: "Sampling temperature (0 = greedy).") var temperature: Float = 0
    @Option(help: "Top-k (0 = off).") var topK = 0
    @Option(help: "Top-p (1 = off).") var topP: Float = 1
    @Option(help: "Number of samples.") var samples = 1
    @Option(help: "Seed of the first sample (sample i uses seed + i).") var seed: UInt64 = 0

    func run() throws {
        let policy = try LoadedPolicy(checkpoint: URL(fileURLWithPath: checkpoint))
        let template = try ChatTemplate(tokenizer: policy.tokenizer)
        let tokens = template.promptTokens(for: prompt)
        let outputs = FinchModel.generate(
            model: policy.model, prompts: Array(repeating: tokens, count: samples), maxNewTokens: maxNewTokens,
            sampling: SamplingParams(temperature: temperature, topK: topK, topP: topP),
            stopTokens: [policy.tokenizer.eosID], seeds: (0..<samples).map { seed + UInt64($0) })
        for out in outputs {
            let text = policy.tokenizer.decode(out.tokens.filter { $0 != policy.tokenizer.eosID })
            print(samples > 1 ? "[\(out.finish.rawValue)] \(text)" : text)
        }
    }
}

import ArgumentParser
import FinchAlgorithms
import FinchData
import FinchModel
import FinchTrain
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate a completion from a checkpoint.")

    @Option(help: "Checkpoint directory (config.json, model.safetensors, tokenizer.json).") var checkpoint: String
    @Option(help: "Prompt text; the chat template's prompt part is applied (the checkpoint's tokenizer_config.json template, or Finch's).") var prompt: String
    @Option(help: "Maximum new tokens.") var maxNewTokens = 128
    @Option(help: "Sampling temperature (0 = greedy).") var temperature: Float = 0
    @Option(help: "Top-k (0 = off).") var topK = 0
    @Option(help: "Top-p (1 = off).") var topP: Float = 1
    @Option(help: "Number of samples.") var samples = 1
    @Option(help: "Seed of the first sample (sample i uses seed + i).") var seed: UInt64 = 0
    @Option(help: "Draw N samples and print only the reward model's best, with its score (needs --reward-model).") var bestOf: Int?
    @Option(help: "Reward model (finch rm checkpoint) that scores the samples.") var rewardModel: String?

    func run() throws {
        let samples = bestOf ?? self.samples
        guard samples >= 1, samples <= 4096 else { throw ValidationError("--samples and --best-of must lie within 1...4096") }
        guard bestOf == nil || (rewardModel != nil && samples >= 2 && temperature > 0) else {
            throw ValidationError("--best-of N needs --reward-model, N of at least 2 and a --temperature above 0")
        }
        guard (1...1_000_000).contains(maxNewTokens) else { throw ValidationError("--max-new-tokens must lie within 1...1000000, got \(maxNewTokens)") }
        guard temperature.isFinite, temperature >= 0 else { throw ValidationError("--temperature must be a finite number of at least 0, got \(temperature)") }
        guard topK >= 0 else { throw ValidationError("--top-k must be at least 0 (0 is off), got \(topK)") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must lie in (0, 1] (1 is off), got \(topP)") }
        let policy = try LoadedPolicy(checkpoint: URL(fileURLWithPath: checkpoint))
        let template = try ChatTemplate(tokenizer: policy.tokenizer)
        let tokens = template.promptTokens(for: prompt)
        guard tokens.count < policy.model.config.maxPositions else {
            throw ValidationError("the prompt is \(tokens.count) tokens, which fills the model's context of \(policy.model.config.maxPositions)")
        }
        let outputs = FinchModel.generate(
            model: policy.model, prompts: Array(repeating: tokens, count: samples), maxNewTokens: maxNewTokens,
            sampling: SamplingParams(temperature: temperature, topK: topK, topP: topP),
            stopTokens: template.stopTokens, seeds: (0..<samples).map { seed + UInt64($0) })
        let stops = template.stopTokens
        let scores = try rewardModel.map { dir in
            try RewardModel(directory: URL(fileURLWithPath: dir)).scores(outputs.map { tokens + $0.tokens.filter { !stops.contains($0) } + [template.endOfTurnID] })
        }
        for (i, out) in outputs.enumerated() {
            if bestOf != nil, let scores, scores[i] != scores.max() { continue }
            let text = policy.tokenizer.decode(out.tokens.filter { !stops.contains($0) })
            let score = scores.map { String(format: "[reward %.3f] ", $0[i]) } ?? ""
            print(samples > 1 || scores != nil ? "[\(out.finish.rawValue)] \(score)\(text)" : text)
            if bestOf != nil { break }
        }
    }
}

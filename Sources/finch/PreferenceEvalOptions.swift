import ArgumentParser
import FinchAlgorithms
import FinchEval
import FinchModel
import FinchTasks
import FinchTrain
import Foundation

/// `finch eval`'s options for policies trained from preferences: score sampled answers with a
/// reward model, their KL to a reference policy, best-of-N, and a paired comparison with a
/// baseline evaluation of the same prompts.
struct PreferenceEvalOptions: ParsableArguments {
    @Option(help: "Reward model (finch rm checkpoint): score the sampled answers with it (needs --samples).")
    var rewardModel: String?
    @Option(help: "Reference policy checkpoint: report the sampled answers' KL to it (needs --samples).")
    var reference: String?
    @Option(help: "Each answer is the reward model's pick of this many samples (best-of-N; needs --reward-model).")
    var bestOf = 1
    @Option(help: "A previous --out of this mode on the same prompts: print the paired difference of the true score.")
    var baseline: String?

    var isRequested: Bool { rewardModel != nil || reference != nil || bestOf > 1 }

    /// Runs the preference evaluation of `policy` and prints (and with `out`, writes) it.
    func run(policy: LoadedPolicy, checkpoint: String, task: any VerifiableTask, problems: [TaskInstance], samples: Int,
             temperature: Float, maxNewTokens: Int, seed: UInt64, batchSize: Int, out: String?) throws {
        guard samples >= 1 else { throw ValidationError("--reward-model, --reference and --best-of score sampled answers: give --samples") }
        guard bestOf >= 1 else { throw ValidationError("--best-of must be at least 1") }
        let result = try evaluatePreferences(
            model: policy.model, tokenizer: policy.tokenizer, task: task, problems: problems,
            rewardModel: try rewardModel.map { try RewardModel(directory: URL(fileURLWithPath: $0)) },
            reference: try reference.map { try LoadedPolicy(checkpoint: URL(fileURLWithPath: $0)).model },
            samples: samples, bestOf: bestOf, temperature: temperature, maxNewTokens: maxNewTokens, seed: seed,
            batchSize: batchSize, checkpoint: checkpoint)
        print(result.table)
        if let baseline {
            let base = try JSONDecoder().decode(PreferenceEvaluation.self, from: Data(contentsOf: URL(fileURLWithPath: baseline)))
            let d = try PairedDifference(baseline: base.trueScore, candidate: result.trueScore)
            print(String(format: "true score vs %@: %+.4f, 95%% interval [%+.4f, %+.4f] (%d problems better, %d worse)",
                         base.checkpoint, d.difference, d.interval95.lowerBound, d.interval95.upperBound, d.better, d.worse))
        }
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(result).write(to: URL(fileURLWithPath: out))
        }
    }
}

import Foundation
import FinchData
import FinchTrain

extension PreferenceDataset {
    /// The run's training and held-out preference files (`data.train`, `data.eval`), cut at
    /// `data.max_length` or the model's context, whichever is shorter: what DPO and reward
    /// models both read.
    static func trainAndEval(_ data: DataSection, policy: LoadedPolicy) throws -> (train: PreferenceDataset, eval: PreferenceDataset?) {
        let maxLength = min(data.maxLength, policy.model.config.maxPositions)
        func load(_ path: String) throws -> PreferenceDataset {
            try PreferenceDataset(contentsOf: URL(fileURLWithPath: path), tokenizer: policy.tokenizer, chatFormat: data.chatFormat, maxLength: maxLength,
                                  dropOverlong: data.dropOverlong)
        }
        return (try load(data.train), try data.eval.map(load))
    }
}

import Foundation
import FinchData
import FinchModel
import FinchTrain

/// A trained reward model: the trunk, its `score` head read at each sequence's last non-pad
/// token, and Ziegler's normalisation. What rollout workers, best-of-N and evaluations score
/// answers with; a directory it loads is what `finch rm` saves (or transformers'
/// `…ForSequenceClassification` with `num_labels: 1` writes).
public final class RewardModel {
    public let model: Transformer
    public let head: ScoreHead
    /// The id rows are padded with; config.json's `pad_token_id`.
    public let padID: Int32
    public var normalization: RewardNormalization
    private let pass: TrainingPass

    public init(model: Transformer, head: ScoreHead, padID: Int32, normalization: RewardNormalization = .identity) {
        precondition(head.width == model.config.hiddenSize, "RewardModel: head width differs from the model's")
        (self.model, self.head, self.padID, self.normalization) = (model, head, padID, normalization)
        pass = TrainingPass(model: model)
    }

    /// Opens a reward-model directory: config.json (with `pad_token_id`), model.safetensors
    /// with `score.weight` ([1, C]: one label) and, if present, reward_normalization.json.
    /// Errors name the file and the key or tensor at fault.
    public convenience init(directory dir: URL) throws {
        let configURL = dir.appendingPathComponent("config.json")
        let json: Data, config: ModelConfig
        do {
            json = try Data(contentsOf: configURL)
            config = try JSONDecoder().decode(ModelConfig.self, from: json)
        } catch {
            throw CheckpointError(path: configURL.path, reason: "cannot read the model config: \(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] ?? [:]
        guard let pad = object["pad_token_id"] as? Int, pad >= 0, pad < config.vocabSize else {
            throw CheckpointError(path: configURL.path, reason: "a reward model needs 'pad_token_id' (an id below vocab_size) to find each sequence's last token")
        }
        // A LoRA reward model (PEFT's SEQ_CLS layout): its base with the adapters, and the score
        // head saved whole beside them.
        let adapted = FileManager.default.fileExists(atPath: dir.appendingPathComponent(AdapterConfigFile.fileName).path)
        let weights: any TensorSource, model: Transformer
        if adapted {
            model = try LoadedPolicy.model(checkpoint: dir)
            weights = try SafeTensorsFile(url: dir.appendingPathComponent(TrainableParameters.adapterWeightsFile))
        } else {
            weights = try ModelWeights.open(directory: dir)
            model = try Transformer(config: config)
            try model.load(model.params, from: weights, optional: ["lm_head.weight"])
        }
        let head = ScoreHead(width: config.hiddenSize, seed: 0)
        try head.load(head.params, from: weights, prefix: adapted ? LoRAAdapters.namePrefix : "")
        self.init(model: model, head: head, padID: Int32(pad), normalization: try RewardNormalization.read(from: dir))
    }

    /// Raw scores (as transformers computes `logits[:, 0]`) of token sequences, each at least
    /// one token and at most the context, `batchSize` rows at a time.
    public func rawScores(_ sequences: [[Int32]], batchSize: Int = 16) -> [Double] {
        var scores: [Double] = []
        for start in stride(from: 0, to: sequences.count, by: max(batchSize, 1)) {
            let rows = sequences[start..<min(sequences.count, start + max(batchSize, 1))]
            let batch = ScoreBatch(rows: Array(rows), padID: padID)
            let hidden = pass.forwardHidden(tokens: batch.tokens, batch: batch.rows, seqLen: batch.seqLen)
            scores += head.forward(hidden: hidden, lengths: batch.lengths, seqLen: batch.seqLen).map(Double.init)
        }
        return scores
    }

    /// Normalised scores: the reward RL optimises and best-of-N ranks by.
    public func scores(_ sequences: [[Int32]], batchSize: Int = 16) -> [Double] {
        rawScores(sequences, batchSize: batchSize).map(normalization.apply)
    }

    /// config.json of a reward-model checkpoint: the trunk's keys plus what makes transformers
    /// build a `…ForSequenceClassification` with one label that finds the last token by `pad_token_id`.
    public static func configJSON(_ config: ModelConfig, padID: Int32) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: PolicyFiles.modelConfigJSON(config)) as! [String: Any]
        let name = ["gpt2": "GPT2", "llama": "Llama", "qwen2": "Qwen2"][config.family.rawValue]!
        object["architectures"] = ["\(name)ForSequenceClassification"]
        object["id2label"] = ["0": "LABEL_0"]
        object["label2id"] = ["LABEL_0": 0]
        object["pad_token_id"] = Int(padID)
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Sequences right-padded into one [rows, T] batch for a score head, T the longest.
struct ScoreBatch {
    let rows: Int, seqLen: Int
    /// [rows, T]
    let tokens: [Int32]
    /// [rows]: real tokens per row; the head reads position length − 1.
    let lengths: [Int]

    init(rows sequences: [[Int32]], padID: Int32) {
        precondition(sequences.allSatisfy { !$0.isEmpty }, "ScoreBatch: every sequence needs a token")
        rows = sequences.count
        let T = sequences.map(\.count).max()!
        seqLen = T
        lengths = sequences.map(\.count)
        tokens = sequences.flatMap { $0 + [Int32](repeating: padID, count: T - $0.count) }
    }
}

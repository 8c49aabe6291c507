import XCTest
import FinchData
import FinchEval
import FinchModel
import FinchTestSupport
@testable import FinchAlgorithms
@testable import FinchTrain

/// Hugging Face model directories as users bring them (Tests/Fixtures/byom, made by
/// scripts/make-byom-golden.py: BF16 weights in shards, a real BPE tokenizer, a chat template,
/// generation_config.json): Finch reads them as transformers does, fine-tunes them in full and
/// with LoRA, and generates text from what it saved.
final class BringYourOwnModelTests: XCTestCase {
    private struct Expected: Decodable {
        let texts: [String]
        let ids: [[Int32]]
        let next_token_logprobs: [Double]
    }

    private var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("byom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testDirectoriesReadAsTransformersAndTokenizersReadThem() throws {
        for family in ["gpt2", "qwen2"] {
            let source = goldenFixture("byom/\(family)")
            let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: source.appendingPathComponent("expected.json")))
            let policy = try LoadedPolicy(checkpoint: source)
            XCTAssertEqual(expected.texts.map(policy.tokenizer.encode), expected.ids, family)
            XCTAssertEqual(expected.texts.map { policy.tokenizer.decode(policy.tokenizer.encode($0)) }, expected.texts, family)
            let scores = NextTokenScorer(model: policy.model).logProbs(expected.ids[0])
            let worst = zip(scores, expected.next_token_logprobs).map { abs(Double($0) - $1) }.max()!
            print("byom \(family): \(policy.model.config.vocabSize)-token vocabulary, sharded BF16; max |Δ log p| against transformers \(worst)")
            XCTAssertLessThan(worst, 1e-4, family)
        }
    }

    /// ChatML conversations on the Qwen2 directory, plain prompt/completion on GPT-2's: full
    /// fine-tuning and LoRA both learn, save what the next run and `generate` read back, and the
    /// chat checkpoint keeps its template and end-of-turn ids.
    func testFullAndLoRAFineTuningOfABroughtModel() throws {
        let facts = (1...8).map { a in (a, (a * 7) % 10) }
        let chat = facts.map { a, b in
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Digit of \(a)?\"}, {\"role\": \"assistant\", \"content\": \"It is \(b).\"}]}"
        }
        let plain = facts.map { a, b in "{\"prompt\": \"Digit of \(a)?\", \"completion\": \" It is \(b).\"}" }
        try (chat.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("chat.jsonl"), atomically: true, encoding: .utf8)
        try (plain.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("plain.jsonl"), atomically: true, encoding: .utf8)

        for (family, data) in [("qwen2", "chat.jsonl"), ("gpt2", "plain.jsonl")] {
            for lora in [false, true] {
                let run = "\(family)-\(lora ? "lora" : "full")"
                let trainer = try SFTTrainer(config: try config(family: family, data: data, run: run, lora: lora), log: { _ in })
                try trainer.run()
                let first = trainer.losses[1]!, last = trainer.losses[30]!
                print("byom \(run): loss \(first) -> \(last); \(trainer.model.trainingSummary)")
                XCTAssertLessThan(last, first * (lora ? 0.8 : 0.5), run)

                let saved = dir.appendingPathComponent("\(run)/step-00000030")
                let files = Set(try FileManager.default.contentsOfDirectory(atPath: saved.path))
                XCTAssertTrue(files.isSuperset(of: ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "config.json"]), "\(run): \(files)")
                XCTAssertTrue(files.contains(lora ? "adapter_model.safetensors" : "model.safetensors"), "\(run): \(files)")
                let policy = try LoadedPolicy(checkpoint: saved)
                let template = try ChatTemplate(tokenizer: policy.tokenizer)
                XCTAssertEqual(template.format, family == "qwen2" ? .chatml : ChatFormat.none, run)
                let prompt = family == "qwen2" ? template.promptTokens(for: [ChatMessage(role: .user, content: "Digit of 3?")])
                                               : template.promptTokens(for: "Digit of 3?")
                let out = generate(model: policy.model, prompts: [prompt], maxNewTokens: 12, sampling: .greedy,
                                   stopTokens: template.stopTokens, seeds: [0])[0]
                let text = policy.tokenizer.decode(out.tokens.filter { !template.stopTokens.contains($0) })
                print("byom \(run): \"Digit of 3?\" -> \"\(text)\" (\(out.finish.rawValue))")
                XCTAssertFalse(text.isEmpty, run)
            }
        }
    }

    private func config(family: String, data: String, run: String, lora: Bool) throws -> SFTRunConfig {
        let yaml = """
        model:
          init: \(goldenFixture("byom/\(family)").path)
        data:
          train: \(dir.appendingPathComponent(data).path)
          max_length: 48
        train: {steps: 30, batch_size: 8, lr: \(lora ? "3.0e-2" : "1.0e-2"), warmup_steps: 2, threads: 1}
        checkpoint: {dir: \(dir.appendingPathComponent(run).path), every: 0, keep_last: 1}
        logging: {every: 10}
        """
        return try SFTRunConfig.parse(yaml: yaml, file: "byom.yaml",
                                      overrides: lora ? ["model.lora.r=4", "model.lora.target_modules=all-linear"] : [])
    }
}

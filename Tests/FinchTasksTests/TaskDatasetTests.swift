import FinchKernels
import Foundation
import FinchTestSupport
import XCTest
@testable import FinchData
@testable import FinchTasks

final class TaskDatasetTests: XCTestCase {
    func testTrainAndEvalNeverShareAProblem() throws {
        for task in allTestTasks { try checkDisjoint(task) }
    }

    private func checkDisjoint<Task: VerifiableTask>(_ task: Task) throws {
        let (train, eval) = try task.split(count: 2_000, evalCount: 100, seed: 17)
        XCTAssertEqual(train.count, 2_000)
        XCTAssertEqual(eval.count, 100)
        let heldOut = Set(eval.map(task.key(of:)))
        XCTAssertEqual(heldOut.count, 100, "\(task.name): held-out problems are distinct")
        XCTAssertFalse(train.contains { heldOut.contains(task.key(of: $0)) }, "\(task.name): a training problem is held out")
        // A smaller held-out set is a prefix of a larger one, which is what lets `finch eval
        // --seed S --n N` stay clear of the training data made with seed S.
        XCTAssertEqual(try task.split(count: 0, evalCount: 40, seed: 17).eval, Array(eval.prefix(40)))
    }

    func testGeneralPointsKeysIgnoreOrderAndFaces() {
        let task = GeneralPointsTask(rule: .id)
        XCTAssertEqual(task.key(of: GeneralPointsDeal(cards: ["J", "4", "A", "3"])),
                       task.key(of: GeneralPointsDeal(cards: ["3", "K", "4", "A"])))
        let ood = GeneralPointsTask(rule: .ood)
        XCTAssertNotEqual(ood.key(of: GeneralPointsDeal(cards: ["J", "4", "A", "3"])),
                          ood.key(of: GeneralPointsDeal(cards: ["K", "4", "A", "3"])))
    }

    func testAnImpossibleSplitThrowsInsteadOfLooping() {
        // Fewer than 715 multisets of values exist under the id rule.
        XCTAssertThrowsError(try GeneralPointsTask(rule: .id).split(count: 10, evalCount: 800, seed: 1))
    }

    func testEveryFormatWritesReScorableLines() throws {
        let directory = try makeTemporaryDirectory(for: self)
        for task in allTestTasks {
            for format in TaskDatasetFormat.allCases {
                let out = directory.appendingPathComponent("\(task.name)-\(task.rule ?? "none")-\(format.rawValue)")
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                try TaskDataset.generate(task: task, count: 12, evalCount: 6, seed: 3, format: format, directory: out)
                let train = try jsonLines(out.appendingPathComponent("train.jsonl"))
                let eval = try jsonLines(out.appendingPathComponent("eval.jsonl"))
                XCTAssertEqual(train.count, 12)
                XCTAssertEqual(eval.count, 6)
                for line in train + eval { try checkLine(line, task: task, format: format) }
                if format == .prefs {
                    // The typed reader the reward-model trainer uses reads every line back.
                    let records = try PreferenceRecord.read(out.appendingPathComponent("train.jsonl"))
                    XCTAssertEqual(records.map(\.prompt), train.map { .plain($0["prompt"] as! String) })
                }
            }
        }
    }

    private func jsonLines(_ url: URL) throws -> [[String: Any]] {
        try String(decoding: Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func checkLine(_ line: [String: Any], task: any VerifiableTask, format: TaskDatasetFormat) throws {
        XCTAssertEqual(line["task"] as? String, task.name)
        XCTAssertEqual(line["rule"] as? String, task.rule)
        XCTAssertTrue(line.keys.contains("rule"), "rule is written even when null")
        let instance = try JSONDecoder().decode(TaskInstance.self, from: JSONSerialization.data(withJSONObject: line))
        let expectedKeys: Set<String>
        switch format {
        case .sft:
            expectedKeys = ["prompt", "completion"]
            XCTAssertTrue(try task.score(instance, completion: try XCTUnwrap(line["completion"] as? String)).correct)
        case .cft:
            expectedKeys = ["prompt", "completion", "question", "solution", "critique", "label"]
            let solution = try XCTUnwrap(line["solution"] as? String)
            let question = try XCTUnwrap(line["question"] as? String)
            let verdict = try task.score(TaskInstance(task: instance.task, rule: instance.rule, prompt: question,
                                                      groundTruth: instance.groundTruth), completion: solution)
            XCTAssertEqual(line["label"] as? String, verdict.correct ? "right" : "wrong")
            XCTAssertEqual(line["completion"] as? String, line["critique"] as? String)
            XCTAssertEqual(Critique.conclusion(of: try XCTUnwrap(line["critique"] as? String)), verdict.correct)
            XCTAssertEqual(line["prompt"] as? String, CritiquePrompt.render(question: question, solution: solution))
        case .prefs:
            expectedKeys = ["prompt", "chosen", "rejected"]
            XCTAssertTrue(try task.score(instance, completion: try XCTUnwrap(line["chosen"] as? String)).correct)
            XCTAssertFalse(try task.score(instance, completion: try XCTUnwrap(line["rejected"] as? String)).correct)
        case .prompts:
            expectedKeys = ["prompt"]
        }
        XCTAssertEqual(Set(line.keys), expectedKeys.union(["task", "rule", "ground_truth"]))
    }

    func testHalfOfTheCritiqueDataIsFlawed() throws {
        let task = try CountdownTask()
        let (train, _) = try task.split(count: 40, evalCount: 0, seed: 2)
        var rng = RNG(seed: 2)
        let labels = TaskDataset.lines(task: task, problems: train, format: .cft, rng: &rng).map { line -> String in
            guard case .object(let fields) = line, case .string(let label)? = fields["label"] else { return "missing" }
            return label
        }
        XCTAssertEqual(labels.filter { $0 == "wrong" }.count, 20)
        XCTAssertEqual(labels.filter { $0 == "right" }.count, 20)
    }

    func testAdditionSFTKeepsTheFirstRecipeData() throws {
        let directory = try makeTemporaryDirectory(for: self)
        let generator = try AdditionTask(minDigits: 1, maxDigits: 4)
        try TaskDataset.generate(task: VerifiableAddition(generator: generator), count: 30, evalCount: 10, seed: 1,
                                 format: .sft, directory: directory)
        let (train, _) = try generator.split(count: 30, evalCount: 10, seed: 1)
        let records = try SFTDataset(contentsOf: directory.appendingPathComponent("train.jsonl"), tokenizer: ByteTokenizer(),
                                     maxLength: 64)
        let expected = try SFTDataset(records: train.map { .promptCompletion(prompt: $0.prompt, completion: $0.completion) },
                                      tokenizer: ByteTokenizer(), maxLength: 64)
        XCTAssertEqual(records.examples, expected.examples)
    }

    func testExcludedProblemsAreLeftOutOfBothFiles() throws {
        let task = try CountdownTask()
        let plain = try makeTemporaryDirectory(for: self)
        try TaskDataset.generate(task: task, count: 8, evalCount: 6, seed: 9, format: .prompts, directory: plain)
        let train = try TaskInstanceFile.read(plain.appendingPathComponent("train.jsonl"), task: task)
        let eval = try TaskInstanceFile.read(plain.appendingPathComponent("eval.jsonl"), task: task)
        // Exclude two held-out problems and one training problem, listed as another file would.
        let excluded = [eval[1], train[5], eval[4]]
        let filtered = try makeTemporaryDirectory(for: self)
        let left = try TaskDataset.generate(task: task, count: 8, evalCount: 6, seed: 9, format: .prompts,
                                            directory: filtered, excluding: excluded)
        XCTAssertEqual(left.train, train.filter { $0 == train[5] }.count)
        XCTAssertEqual(left.eval, 2)
        XCTAssertEqual(try TaskInstanceFile.read(filtered.appendingPathComponent("eval.jsonl"), task: task),
                       [eval[0], eval[2], eval[3], eval[5]])
        XCTAssertEqual(try TaskInstanceFile.read(filtered.appendingPathComponent("train.jsonl"), task: task),
                       train.filter { $0 != train[5] })
        // An excluded problem of another task is an error naming it.
        let other = GeneralPointsTask(rule: .id).instance(of: GeneralPointsDeal(cards: ["A", "2", "3", "4"]))
        XCTAssertThrowsError(try TaskDataset.generate(task: task, count: 1, evalCount: 1, seed: 9, format: .prompts,
                                                      directory: filtered, excluding: [train[0], other])) {
            XCTAssertTrue("\($0)".contains("excluded problem 1"), "\($0)")
        }
    }

    /// Variants present the same value sets as other deals: never an original's prompt or a
    /// repeat, at most the number asked for, fewer only where the deals run out.
    func testVariantsAreOtherDealsOfTheSameValueSets() throws {
        let task = GeneralPointsTask(rule: .id)
        var originals = try task.split(count: 0, evalCount: 12, seed: 5).eval
        originals.append(GeneralPointsDeal(cards: ["6", "6", "6", "6"]))  // one presentation only
        let (variants, short) = ProblemVariants.draw(task: task, originals: originals, perProblem: 3, seed: 8)
        let originalPrompts = Set(originals.map(task.prompt(for:)))
        let prompts = variants.map(task.prompt(for:))
        XCTAssertEqual(Set(prompts).count, prompts.count, "a variant repeats another")
        XCTAssertTrue(originalPrompts.isDisjoint(with: prompts), "a variant repeats an original")
        for original in originals.prefix(12) {
            XCTAssertEqual(variants.filter { task.key(of: $0) == task.key(of: original) }.count, 3, "\(original)")
        }
        XCTAssertEqual(variants.count, 36)
        XCTAssertEqual(short, 1)
        // Written in the originals' order, the same for the same seed.
        let file = try makeTemporaryDirectory(for: self).appendingPathComponent("variants.jsonl")
        let made = try TaskDataset.writeVariants(task: task, of: originals.map(task.instance(of:)), perProblem: 3, seed: 8,
                                                 format: .prompts, file: file)
        XCTAssertEqual(made.written, 36)
        let written = try TaskInstanceFile.read(file, task: task)
        XCTAssertEqual(written, variants.map(task.instance(of:)))
        XCTAssertEqual(try written.prefix(3).map(task.keyText(of:)), Array(repeating: "\(task.key(of: originals[0]))", count: 3))
    }

    func testInstanceFileReadsPromptsAndRefusesWhatItCannotScore() throws {
        let directory = try makeTemporaryDirectory(for: self)
        let task = GeneralPointsTask(rule: .ood)
        try TaskDataset.generate(task: task, count: 4, evalCount: 5, seed: 6, format: .prompts, directory: directory)
        let instances = try TaskInstanceFile.read(directory.appendingPathComponent("eval.jsonl"), task: task)
        XCTAssertEqual(instances.count, 5)
        XCTAssertEqual(instances, try task.split(count: 0, evalCount: 5, seed: 6).eval.map(task.instance(of:)))

        func readError(_ text: String, task: any VerifiableTask = GeneralPointsTask(rule: .ood)) -> String {
            let url = directory.appendingPathComponent("bad.jsonl")
            try? Data(text.utf8).write(to: url)
            do {
                _ = try TaskInstanceFile.read(url, task: task)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let good = #"{"task":"generalpoints","rule":"ood","prompt":"p","ground_truth":{"cards":["A","2","3","K"]}}"#
        XCTAssertTrue(readError("\(good)\n{oops").hasSuffix("bad.jsonl:2: invalid JSON"), readError("\(good)\n{oops"))
        XCTAssertTrue(readError(good, task: GeneralPointsTask(rule: .id)).contains(":1: rule is \"ood\", expected \"id\""))
        XCTAssertTrue(readError(good.replacingOccurrences(of: "\"K\"", with: "\"Z\"")).contains(":1: ground_truth: \"Z\" is not a card"))
        XCTAssertTrue(readError(good.replacingOccurrences(of: "cards", with: "hand")).contains("ground_truth is missing key \"cards\""))
        XCTAssertTrue(readError(#"{"task":"generalpoints","rule":"ood","prompt":"p"}"#).contains("missing key \"ground_truth\""))
        XCTAssertTrue(readError(good.replacingOccurrences(of: "{\"task\"", with: "{\"critique\":\"c\",\"task\"")).contains("cft"))
        XCTAssertTrue(readError("\n \n").contains("contains no problems"))
    }

    func testCatalogBuildsTasksAndRejectsSettingsThatDoNotApply() throws {
        XCTAssertEqual(try TaskCatalog.task(named: "generalpoints", settings: TaskSettings(rule: "ood")).rule, "ood")
        XCTAssertEqual(try TaskCatalog.task(named: "countdown").name, "countdown")
        XCTAssertEqual((try TaskCatalog.task(named: "arithmetic", settings: TaskSettings(maxOperations: 6)) as? ArithmeticTask)?.operations, 2...6)
        for (name, settings, message) in [
            ("generalpoints", TaskSettings(), "needs a rule"),
            ("generalpoints", TaskSettings(rule: "odd"), "unknown rule \"odd\""),
            ("generalpoints", TaskSettings(rule: "id", reward: "dense"), "unknown reward \"dense\""),
            ("countdown", TaskSettings(rule: "id"), "rule does not apply"),
            ("addition", TaskSettings(minDigits: 3, maxDigits: 2), "min-digits 3 is above max-digits 2"),
            ("chess", TaskSettings(), "unknown task \"chess\""),
        ] {
            XCTAssertThrowsError(try TaskCatalog.task(named: name, settings: settings)) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
    }

    func testInstancesRoundTripThroughJSON() throws {
        var rng = RNG(seed: 1)
        let task = try ArithmeticTask()
        let instance = task.instance(of: task.randomProblem(using: &rng))
        let data = try JSONEncoder().encode(instance)
        XCTAssertEqual(try JSONDecoder().decode(TaskInstance.self, from: data), instance)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"rule\":null"))
        XCTAssertEqual(try task.referenceSolution(for: instance), task.referenceSolution(for: try task.problem(from: instance)))
    }
}

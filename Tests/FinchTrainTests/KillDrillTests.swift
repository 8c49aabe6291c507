import Foundation
import FinchTestSupport
import XCTest

/// The short form of `launch/kill-drill`: an SFT and a GRPO run (learner and rollout worker on
/// two ranks, async) SIGKILLed a few times each, at random moments and inside checkpoint saves,
/// and resumed with `--resume auto`, must end with the weights and every logged line of an
/// uninterrupted run. The script does the killing and the comparing; this runs it on the
/// suite's `finch` and requires its verdict. The full drill (100+ kills) is in docs/distributed.md.
final class KillDrillTests: XCTestCase {
    private func drill(recipe: String, ranks: Int, kills: Int, steps: Int, seed: Int) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("launch/kill-drill")
        let r = try runChildProcess(script, ["--recipe", recipe, "--ranks", "\(ranks)", "--kills", "\(kills)", "--steps", "\(steps)",
                                             "--seed", "\(seed)"], environment: ["FINCH": try finchExecutable().path])
        let text = r.output
        print(text, terminator: "")
        XCTAssertFalse(r.signalled, "the drill itself was killed:\n\(text)")
        XCTAssertEqual(r.status, 0, "kill-drill failed:\n\(text)")
        return text
    }

    /// "kill-drill: sft on 2 rank(s): 5 kills (2 during a save), 1 runs, 0 mismatches" → 5.
    private func kills(in summary: String) -> Int? {
        guard let range = summary.range(of: #"rank\(s\): (\d+) kills"#, options: .regularExpression) else { return nil }
        return Int(summary[range].split(separator: " ")[1])
    }

    func testSFTResumesBitForBitAfterKills() throws {
        let summary = try drill(recipe: "sft", ranks: 1, kills: 4, steps: 12, seed: 11)
        XCTAssertTrue(summary.contains(", 0 mismatches"), summary)
        XCTAssertGreaterThanOrEqual(kills(in: summary) ?? 0, 3, summary)
    }

    func testAsyncGRPOWithARolloutWorkerResumesBitForBitAfterKills() throws {
        let summary = try drill(recipe: "grpo", ranks: 2, kills: 3, steps: 6, seed: 12)
        XCTAssertTrue(summary.contains(", 0 mismatches"), summary)
        XCTAssertGreaterThanOrEqual(kills(in: summary) ?? 0, 3, summary)
    }
}

import FinchDistributed
import Foundation
import FinchTestSupport
import XCTest

/// Two hosts over TCP on one machine: `launch/netns-hosts` joins two network namespaces with a
/// veth pair and starts OpenMPI across them (a launcher agent enters the other namespace; no
/// ssh), TCP only. An SFT run and an async GRPO run with its learner on one host and its rollout
/// worker on the other must log exactly what the same runs log on one node; a node killed, and
/// a node whose link goes down, must end the job non-zero within seconds. Where namespaces
/// cannot be made (no root, no `ip`) the tests fail, saying why: CI here runs them.
final class TwoHostTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private var dir: URL!
    private var finch: String!

    private struct Finished {
        let status: Int32
        let output: String
        let seconds: Double
    }

    @discardableResult
    private func run(_ command: [String], then action: (() -> Void)? = nil) throws -> Finished {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0]
            : Self.repository.appendingPathComponent(command[0]).path)
        process.arguments = Array(command.dropFirst())
        process.environment = MPIJob.environmentForChildren
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("finch-two-hosts-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        var started = Date()
        if let action {
            action()
            XCTAssertTrue(process.isRunning, "the job ended before the action it was waiting for:\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            started = Date()
        }
        let deadline = Date().addingTimeInterval(180)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try handle.close()
        return Finished(status: process.terminationStatus, output: try String(contentsOf: log, encoding: .utf8),
                        seconds: Date().timeIntervalSince(started))
    }

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory(for: self)
        finch = try finchExecutable().path
        try run(["launch/netns-hosts", "down"])
        let up = try run(["launch/netns-hosts", "up"])
        guard up.status == 0 else {
            throw TestEnvironmentError("these tests need network namespaces (root and iproute2, as in CI): launch/netns-hosts up said "
                                       + up.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try writeRuns()
    }

    override func tearDownWithError() throws {
        try run(["launch/netns-hosts", "down"])
    }

    /// Data, a short SFT warm-up for GRPO, and the two run configs, all with absolute paths
    /// (the ranks start in the repository, not here).
    private func writeRuns() throws {
        let d = dir.path
        for (format, seed) in [("sft", 1), ("prompts", 2)] {
            let made = try run([finch, "data", "generate", "--task", "addition", "--max-digits", "2", "--n", "256", "--eval-n", "16",
                                "--seed", "\(seed)", "--format", format, "--out", "\(d)/\(format)"])
            XCTAssertEqual(made.status, 0, made.output)
        }
        try """
        model: {init: scratch, seed: 1, config: {model_type: gpt2, vocab_size: 262, n_embd: 32, n_layer: 2, n_head: 2, n_positions: 48}}
        data: {train: \(d)/sft/train.jsonl, max_length: 48, seed: 1}
        train: {steps: 10, batch_size: 8, lr: 3.0e-3, warmup_steps: 2, threads: 1}
        checkpoint: {dir: \(d)/unused, every: 5}
        logging: {every: 1}
        """.write(to: dir.appendingPathComponent("sft.yaml"), atomically: true, encoding: .utf8)
        let warm = try run([finch, "sft", "--config", "\(d)/sft.yaml", "--set", "checkpoint.dir=\(d)/warm", "--set", "train.steps=600",
                            "--set", "train.batch_size=32", "--set", "train.lr=5e-3", "--set", "checkpoint.every=600"])
        XCTAssertEqual(warm.status, 0, warm.output)
        try """
        model: {init: \(d)/warm/step-00000600}
        data: {train: \(d)/prompts/train.jsonl, seed: 1}
        train: {steps: 6, lr: 1.0e-4, warmup_steps: 0, min_lr: 1.0e-4, threads: 1}
        checkpoint: {dir: \(d)/unused, every: 3}
        logging: {every: 1}
        distributed: {rollout_workers: 1}
        rl: {algorithm: grpo, task: addition, prompts_per_step: 4, group_size: 8, max_new_tokens: 40, mode: async, seed: 1}
        """.write(to: dir.appendingPathComponent("grpo.yaml"), atomically: true, encoding: .utf8)
    }

    /// The run's metrics lines without their timing fields.
    private func loggedLines(_ run: String) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("\(run)/metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { line in
                line.replacingOccurrences(of: #","(elapsed_s|step_s|wait_s|tokens_per_s)":[^,}]*"#, with: "", options: .regularExpression)
            }
    }

    private func assertSameOnOneNodeAndTwoHosts(_ command: [String], name: String) throws {
        let oneNode = try run(["launch/mpirun-local", "-np", "2", finch] + command + ["--set", "checkpoint.dir=\(dir.path)/\(name)-one"])
        XCTAssertEqual(oneNode.status, 0, oneNode.output)
        let twoHosts = try run(["launch/netns-hosts", "run", "-np", "2", finch] + command + ["--set", "checkpoint.dir=\(dir.path)/\(name)-two"])
        XCTAssertEqual(twoHosts.status, 0, twoHosts.output)
        let one = try loggedLines("\(name)-one"), two = try loggedLines("\(name)-two")
        XCTAssertFalse(one.isEmpty)
        XCTAssertEqual(one, two, "\(name): two hosts over TCP logged other numbers than one node")
        print("\(name): \(two.count) logged lines equal on one node and across two hosts (\(String(format: "%.1f", twoHosts.seconds)) s)")
    }

    func testSFTAcrossTwoHostsLogsWhatOneNodeLogs() throws {
        try assertSameOnOneNodeAndTwoHosts(["sft", "--config", "\(dir.path)/sft.yaml"], name: "sft")
    }

    func testGRPOWithLearnerAndRolloutWorkerOnDifferentHosts() throws {
        try assertSameOnOneNodeAndTwoHosts(["rl", "--config", "\(dir.path)/grpo.yaml"], name: "grpo")
    }

    /// A long SFT across the hosts, started; `kill` is done to host b after 3 s.
    private func loseHostB(_ what: String, _ kill: @escaping () -> Void) throws -> Finished {
        let r = try run(["launch/netns-hosts", "run", "-np", "2", finch, "sft", "--config", "\(dir.path)/sft.yaml",
                         "--set", "checkpoint.dir=\(dir.path)/\(what)", "--set", "train.steps=100000", "--set", "checkpoint.every=0"]) {
            sleep(3)
            kill()
        }
        print("\(what): the job ended \(String(format: "%.1f", r.seconds)) s later, exit \(r.status)")
        XCTAssertNotEqual(r.status, 0, r.output)
        return r
    }

    func testKilledHostEndsTheJobWithinSeconds() throws {
        let r = try loseHostB("host b's processes SIGKILLed") {
            _ = try? self.run(["/bin/sh", "-c", "ip netns pids finch-b | xargs -r kill -KILL"])
        }
        XCTAssertLessThan(r.seconds, 10, r.output)
    }

    func testHostWhoseLinkGoesDownEndsTheJob() throws {
        let r = try loseHostB("host b's link down") { _ = try? self.run(["launch/netns-hosts", "cut"]) }
        XCTAssertLessThan(r.seconds, 40, "FINCH_NODE_LOST_S is 20 by default:\n\(r.output)")
    }
}

import ArgumentParser
import FinchDistributed
import FinchKernels
import FinchModel
import FinchAlgorithms
import FinchBench
import FinchData
import FinchTrain
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (not tests): training, decoding, gradient-sync and tokenizing speed.",
        discussion: "Compare against ../shared/bench/torch_gpt_bench.py run right before or after, same threads.",
        subcommands: [Train.self, Decode.self, AllReduce.self, Rollouts.self, Peak.self, Tokenize.self])

    struct Common: ParsableArguments {
        @Option(help: "Model preset: tiny, char6, grpo-small or gpt2-124m.") var preset = "tiny"
        @Option(help: "Kernel threads per process.") var threads = 1
        @Flag(help: "One JSON object per result.") var json = false

        func resolve() throws -> BenchPreset {
            KernelThreads.set(threads)
            guard let p = BenchPreset.named(preset) else {
                throw ValidationError("unknown preset '\(preset)' (\(BenchPreset.all.map(\.name).joined(separator: ", ")))")
            }
            return p
        }

        /// Prints a result with the CPU and BLAS kernel it was measured on: a figure from one CPU
        /// does not carry to another. JSON results carry them as `cpu` and `blas`; text results
        /// follow one `cpu: …; blas: …` line.
        func emit<T: Encodable>(_ value: T, _ text: String) throws {
            guard json else {
                if !Self.platformPrinted { print("cpu: \(CPUInfo.current.summary); blas: \(BLASKernel.summary); kernels: \(KernelISA.summary)") }
                Self.platformPrinted = true
                return print(text)
            }
            var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as? [String: Any] ?? [:]
            object["cpu"] = object["cpu"] ?? CPUInfo.current.summary
            object["blas"] = object["blas"] ?? BLASKernel.summary
            object["kernels"] = object["kernels"] ?? KernelISA.summary
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }

        nonisolated(unsafe) static var platformPrinted = false
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Training step time (forward, backward, all-reduce, AdamW); data parallel under mpirun.")
        @OptionGroup var common: Common
        @Option(help: "Timed steps.") var steps = 20
        @Flag(help: "Data-parallel scaling: 1 rank × 1 thread, 1 rank × 2 threads, then 2 ranks × 1 thread (via mpirun).")
        var ranks = false
        @Option(help: "Train LoRA adapters of this rank on the frozen preset instead of every weight.") var loraR: Int?
        @Option(help: "With --lora-r: the modules to adapt (comma-separated, or all-linear; default PEFT's).") var loraTargets: String?
        @Flag(inversion: .prefixedNo, help: "On several ranks, all-reduce gradient buckets during the backward pass (distributed.overlap_grad_sync).")
        var overlapSync = true

        func run() throws {
            let preset = try common.resolve()
            if ranks { return try scaling(preset) }
            let lora = loraR.map { LoRAConfig(r: $0, alpha: Double(2 * $0), targetModules: loraTargets.map { $0.split(separator: ",").map(String.init) } ?? []) }
            let world = try TrainingWorld(comm: Communicator.world(), overlap: overlapSync)
            let r = try benchTrain(preset: preset, world: world, steps: steps, lora: lora)
            guard world.isCoordinator else { return }
            try common.emit(r, String(format: "train %@ ranks=%d threads=%d%@: %.1f ms/step, %.0f tokens/s, MFU %.1f%%, gradient sync exposed %.1f ms (%.1f%% of the step%@), loss %.3f -> %.3f; %d trained parameters, gradients + AdamW state %.1f MB, peak RSS %.0f MB",
                                      r.preset, r.ranks, r.threads, r.lora.map { ", LoRA " + $0 } ?? "", r.ms_per_step, r.tokens_per_s, r.mfu * 100,
                                      r.sync_ms, r.sync_fraction * 100, r.ranks == 1 ? "" : r.overlap_sync ? ", overlapped with backward" : ", after backward",
                                      r.first_loss, r.last_loss, r.trained_parameters,
                                      Double(r.optimizer_state_bytes) / 1e6, Double(r.peak_rss_bytes) / 1e6))
        }

        private func scaling(_ preset: BenchPreset) throws {
            var results: [TrainBenchResult] = []
            for threads in [1, 2] {
                KernelThreads.set(threads)
                results.append(try benchTrain(preset: preset, steps: steps))
            }
            let me = CommandLine.arguments[0]
            let job = try MPIJob(processCount: 2, timeoutSeconds: 1800).run(
                executable: me, arguments: ["bench", "train", "--preset", preset.name, "--threads", "1",
                                            "--steps", "\(steps)", "--json"] + (overlapSync ? [] : ["--no-overlap-sync"]))
            guard job.succeeded, let line = job.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                throw ValidationError("mpirun -np 2 failed (exit \(job.exitCode)):\n\(job.output)")
            }
            results.append(try JSONDecoder().decode(TrainBenchResult.self, from: Data(line.utf8)))
            for r in results {
                try common.emit(r, String(format: "%@ %d rank(s) × %d thread(s): %.1f ms/step, %.0f tokens/s (%.2f× 1×1), gradient sync exposed %.1f ms (%.1f%%)",
                                          r.preset, r.ranks, r.threads, r.ms_per_step, r.tokens_per_s,
                                          r.tokens_per_s / results[0].tokens_per_s, r.sync_ms, r.sync_fraction * 100))
            }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "KV-cache greedy decoding speed (16-token prompt, 112 new).")
        @OptionGroup var common: Common
        @Option(parsing: .upToNextOption, help: "Batch sizes.") var batch: [Int] = [1, 16]
        @Option(help: "Weights the products read: fp32 (the model's own, the default) or bf16 (a copy).")
        var precision = "fp32"
        func run() throws {
            let p = try common.resolve()
            guard let precision = DecodePrecision(rawValue: precision) else {
                throw ValidationError("unknown precision '\(self.precision)' (fp32, bf16)")
            }
            for b in batch {
                let r = try benchDecode(preset: p, batch: b, precision: precision)
                try common.emit(r, String(format: "decode %@ %@ threads=%d batch=%d: %.0f tokens/s", r.preset,
                                          r.precision, r.threads, r.batch, r.tokens_per_s))
            }
        }
    }

    struct Peak: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "This CPU's FP32 peak per core (the MFU denominator) and one-thread sgemm speed.")
        @Flag(help: "One JSON object.") var json = false
        func run() throws {
            let r = PeakFlops.measure()
            print(json ? String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
                  : String(format: "cpu: %@\nblas: %@\nkernels: %@\nFP32 FMA per core: %.1f GFLOP/s with 256-bit code%@; peak used for MFU: %.1f GFLOP/s per core; sgemm 1024³ on 1 thread: %.1f GFLOP/s",
                           r.cpu, r.blas, KernelISA.summary, r.fma256_gflops,
                           r.fma512_gflops.map { String(format: ", %.1f with 512-bit code", $0) } ?? "",
                           r.peak_gflops_per_core, r.sgemm_gflops))
        }
    }

    struct Tokenize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encoding speed of a tokenizer on one thread: MB/s and tokens/s.",
            discussion: "Each line of the text is encoded by one call, as a dataset's records are. Without --text, ~4 MB of generated English-like text is used (the same every run).")
        @Option(help: "A directory holding tokenizer.json, or a tokenizer.json file.") var tokenizer: String
        @Option(help: "A UTF-8 text file to encode, one call per line.") var text: String?
        @Flag(help: "One JSON object.") var json = false

        func run() throws {
            let loaded = try Tokenizers.load(path: tokenizer)
            let lines: [String], description: String
            if let text {
                guard let contents = try? String(contentsOfFile: text, encoding: .utf8) else {
                    throw ValidationError("cannot read \(text) as UTF-8 text")
                }
                lines = contents.split(whereSeparator: \.isNewline).map(String.init)
                description = text
            } else {
                lines = englishLikeParagraphs(bytes: 4_000_000)
                description = "generated English-like text (englishLikeParagraphs, seed 1)"
            }
            let r = benchTokenize(tokenizer: loaded, name: tokenizer, lines: lines, text: description)
            print(json ? String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
                  : String(format: "cpu: %@\ntokenize %@ on 1 thread: %@, %d lines, %.2f MB, %d tokens: %.2f MB/s, %.0f tokens/s (first pass, filling the word cache: %.2f MB/s)",
                           CPUInfo.current.summary, r.tokenizer, r.text, r.lines, Double(r.bytes) / 1e6, r.tokens,
                           r.mb_per_s, r.tokens_per_s, r.first_pass_mb_per_s))
        }
    }

    struct AllReduce: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allreduce",
            abstract: "Gradient-sync time of a preset's gradients vs one plain MPI_Allreduce (run under mpirun).")
        @OptionGroup var common: Common
        @Option(help: "Gradient bucket size in MiB.") var bucketMb = 25
        func run() throws {
            let preset = try common.resolve()
            let comm = try Communicator.world()
            let world = try TrainingWorld(comm: comm, bucketBytes: bucketMb << 20)
            let r = try benchAllReduce(preset: preset, world: world, comm: comm, bucketMB: bucketMb)
            guard world.isCoordinator else { return }
            try common.emit(r, String(format: "allreduce %@ %d ranks, %.1f MB: finch %.2f ms (buckets of %d MiB), MPI_Allreduce %.2f ms",
                                      r.preset, r.ranks, Double(r.bytes) / 1e6, r.finch_ms, r.bucket_mb, r.mpi_allreduce_ms))
        }
    }

    struct Rollouts: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GRPO steps with 1 learner and N rollout workers (via mpirun): trajectories/s and learner wait, sync vs async.",
            discussion: "Ranks beyond the machine's cores are oversubscribed; each rank runs --threads kernel threads.")
        @OptionGroup var common: Common
        @Option(parsing: .upToNextOption, help: "Rollout worker counts (0: one colocated rank).") var workers: [Int] = [1, 2, 3]
        @Option(parsing: .upToNextOption, help: "Modes to compare.") var modes: [String] = ["sync", "async"]
        @Option(help: "Timed steps (after one warm-up step).") var steps = 4
        @Option(help: "Rollout decoding precision: fp32 or bf16 (rl.rollout_precision).") var rolloutPrecision = "fp32"
        @Option(help: "Write the starting weights and the prompts here (for scripts/bench-grpo-vs-trl.py).") var saveStart: String?
        @Flag(help: "Run as a rank of the job this command starts (internal).") var inner = false

        func run() throws {
            let preset = try common.resolve()
            guard let precision = DecodePrecision(rawValue: rolloutPrecision) else {
                throw ValidationError("unknown precision '\(rolloutPrecision)' (fp32, bf16)")
            }
            if inner {
                let comm = try Communicator.world()
                guard let mode = RLSection.Mode(rawValue: modes.first ?? "") else { throw ValidationError("unknown mode \(modes)") }
                let r = try benchRollouts(preset: preset, comm: comm, mode: mode, steps: steps, threads: common.threads,
                                          rolloutPrecision: precision, saveStart: saveStart)
                if comm.rank == 0 { print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self)) }
                return
            }
            for mode in modes {
                for count in workers {
                    let job = try MPIJob(processCount: count + 1, timeoutSeconds: 1800).run(
                        executable: CommandLine.arguments[0],
                        arguments: ["bench", "rollouts", "--inner", "--preset", preset.name, "--modes", mode, "--steps", "\(steps)",
                                    "--threads", "\(common.threads)", "--rollout-precision", rolloutPrecision]
                            + (saveStart.map { ["--save-start", $0] } ?? []))
                    guard job.succeeded, let line = job.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
                        throw ValidationError("mpirun -np \(count + 1) failed (exit \(job.exitCode)):\n\(job.output)")
                    }
                    let r = try JSONDecoder().decode(RolloutBenchResult.self, from: Data(line.utf8))
                    try common.emit(r, String(format: "rollouts %@ %@ %@: 1 learner + %d worker(s) × %d thread(s) on %d cores: %.1f trajectories/s, %.0f ms/step (generate %.0f, update %.0f), learner waits %.0f%% of the step, %.1f tokens/answer",
                                              r.preset, r.mode, r.rollout_precision, r.rollout_workers, r.threads,
                                              ProcessInfo.processInfo.activeProcessorCount, r.trajectories_per_s, r.ms_per_step,
                                              r.generate_ms, r.update_ms, r.learner_wait_fraction * 100, r.response_length))
                }
            }
        }
    }
}

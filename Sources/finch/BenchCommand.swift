import ArgumentParser
import FinchKernels
import FinchTrain
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks (not tests): training and decoding speed.",
                                                    subcommands: [Train.self, Decode.self])

    struct Common: ParsableArguments {
        @Option(help: "Model preset: tiny, char6 or gpt2-124m.") var preset = "tiny"
        @Option(help: "Kernel threads (OpenBLAS and row-parallel kernels).") var threads = 1
        @Flag(help: "One JSON object per result.") var json = false

        func resolve() throws -> BenchPreset {
            KernelThreads.set(threads)
            guard let p = BenchPreset.named(preset) else {
                throw ValidationError("unknown preset '\(preset)' (tiny, char6, gpt2-124m)")
            }
            return p
        }
    }

    struct Train: ParsableCommand {
        @OptionGroup var common: Common
        @Option(help: "Timed steps.") var steps = 20
        func run() throws {
            let r = try benchTrain(preset: try common.resolve(), steps: steps)
            if common.json { print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self)) } else {
                print(String(format: "train %@ threads=%d: %.1f ms/step, %.0f tokens/s, MFU %.1f%%, loss %.3f -> %.3f",
                             r.preset, r.threads, r.ms_per_step, r.tokens_per_s, r.mfu * 100, r.first_loss, r.last_loss))
            }
        }
    }

    struct Decode: ParsableCommand {
        @OptionGroup var common: Common
        @Option(parsing: .upToNextOption, help: "Batch sizes.") var batch: [Int] = [1, 16]
        func run() throws {
            let p = try common.resolve()
            for b in batch {
                let r = try benchDecode(preset: p, batch: b)
                if common.json { print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self)) } else {
                    print(String(format: "decode %@ threads=%d batch=%d: %.0f tokens/s", r.preset, r.threads, r.batch, r.tokens_per_s))
                }
            }
        }
    }
}


import ArgumentParser
import FinchKernels
import FinchTrain
import Foundation

/// `finch`: one subcommand per job. Each parses its arguments and hands over to the library targets.
@main
struct Finch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finch",
        abstract: "Distributed post-training for language models.",
        subcommands: [SFT.self, DPO.self, RewardModelCommand.self, RL.self, Redistill.self, Generate.self, Tokenize.self, Score.self, Merge.self, DataCommand.self, Label.self, Eval.self, Compare.self, Report.self, ConfigCommand.self, Bench.self])

    static func main() async {
        // Whether to draw a live progress line is decided before MPI starts and sets its variables.
        _ = TerminalLine.shared
        // Before anything computes (or MPI starts): run the best BLAS kernel this CPU has.
        BLASKernel.ensureBestKernel()
        // Progress lines must reach a log file (or mpirun's forwarding) as they happen.
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            var command = try parseAsRoot()
            if var server = command as? any AsyncParsableCommand {
                try await server.run()  // only `finch label serve`; every other command is synchronous
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

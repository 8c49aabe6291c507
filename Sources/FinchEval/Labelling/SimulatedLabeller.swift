import FinchKernels
import FinchTasks

/// A stand-in for human labellers where none are available (tests, the preference recipe):
/// it prefers the candidate with the highest task reward — the hidden "true" preference the
/// policy only ever sees through the reward model — breaking ties at random, and with
/// probability `noise` picks one of the other candidates instead, as disagreeing humans do
/// (Ziegler et al. report 60–80% agreement between labellers).
public struct SimulatedLabeller {
    public let task: any VerifiableTask
    public let noise: Double
    public let name: String

    public init(task: any VerifiableTask, noise: Double) {
        precondition((0...1).contains(noise), "noise is a probability")
        self.task = task
        self.noise = noise
        name = "simulated (task reward, noise \(noise))"
    }

    /// The labeller's pick for `set`, and the noiseless one (what the true preference says).
    public func label(_ set: CandidateSet, rng: inout RNG) throws -> (best: Int, truth: Int) {
        let rewards = try set.completions.map { try task.score(set.problem, completion: $0).reward }
        let top = rewards.max()!
        let tied = rewards.indices.filter { rewards[$0] == top }
        let truth = tied[rng.below(tied.count)]
        guard rng.uniformDouble() < noise else { return (truth, truth) }
        let others = set.completions.indices.filter { $0 != truth }
        return (others[rng.below(others.count)], truth)
    }
}

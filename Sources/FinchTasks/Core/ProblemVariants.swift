import FinchData
import FinchKernels

/// Other presentations of the same problems: random problems that share a `key` with one of
/// the given problems but not its prompt — for GeneralPoints, the same card values dealt in
/// another order or with other faces (J, Q and K are all 10 under `id`).
///
/// A held-out set of GeneralPoints holds one deal per value set, and only 200 value sets are
/// left once training has its 366. Evaluating several deals of each makes the held-out rate
/// less dependent on which deal happened to be drawn; `finch compare` then averages the deals
/// of a value set before pairing, so the set of problems, not the deals, is the sample.
public enum ProblemVariants {
    /// Up to `perProblem` variants of each problem in `originals` (in their order), each a prompt
    /// that appears nowhere else in the result or in `originals`. Draws at most `maxDraws` random
    /// problems; a problem with few possible presentations (four equal cards have one) gets
    /// fewer. Returns the variants and how many originals got fewer than `perProblem`.
    public static func draw<Task: VerifiableTask>(task: Task, originals: [Task.Problem], perProblem: Int, seed: UInt64,
                                                  maxDraws: Int = 2_000_000) -> (variants: [Task.Problem], short: Int) {
        var slots: [Task.ProblemKey: Int] = [:]
        for (i, problem) in originals.enumerated() where slots[task.key(of: problem)] == nil {
            slots[task.key(of: problem)] = i
        }
        var found = Array(repeating: [Task.Problem](), count: originals.count)
        var seen = Set(originals.map(task.prompt(for:)))
        var open = slots.count
        var rng = RNG(seed: seed)
        var draws = 0
        while open > 0 && draws < maxDraws {
            draws += 1
            let problem = task.randomProblem(using: &rng)
            guard let slot = slots[task.key(of: problem)], found[slot].count < perProblem,
                  seen.insert(task.prompt(for: problem)).inserted else { continue }
            found[slot].append(problem)
            if found[slot].count == perProblem { open -= 1 }
        }
        let short = slots.values.filter { found[$0].count < perProblem }.count
        return (found.flatMap { $0 }, short)
    }
}

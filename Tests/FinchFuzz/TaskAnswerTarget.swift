import FinchExpressions
import FinchTasks
import Foundation

/// Whatever a model may write, scored and critiqued by a task's verifier (the input's length
/// picks which) and parsed as an arithmetic expression: rollout workers run these on untrusted
/// text at every step.
struct TaskAnswerTarget: FuzzTarget {
    static let scorers: [(String) -> Void] = TaskCatalog.names.compactMap { name in
        guard let task = try? TaskCatalog.task(named: name) else { return nil }
        return scorer(task)
    }

    private static func scorer<Task: VerifiableTask>(_ task: Task) -> ((String) -> Void)? {
        guard let problems = try? task.split(count: 4, evalCount: 0, seed: 1).train, !problems.isEmpty else { return nil }
        return { text in
            for problem in problems {
                _ = task.score(problem, completion: text)
                _ = task.critique(problem, solution: text)
            }
        }
    }

    func run(_ input: Data) {
        let text = String(decoding: input, as: UTF8.self)
        Self.scorers[input.count % Self.scorers.count](text)
        _ = try? ExpressionParser().parse(text)
        _ = try? ExpressionParser(allowsNegativeLiterals: true).parseEquation(text)
    }
}

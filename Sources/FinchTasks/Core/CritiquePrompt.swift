import FinchData
/// The critique fine-tuning prompt: the task's question and a candidate solution (each without
/// leading or trailing blank lines), then the instruction. The exact template is
///
///     Question:
///     <question>
///
///     Solution:
///     <solution>
///
///     Check the solution step by step, then end with "Conclusion: right" or "Conclusion: wrong".
///
/// and a final newline, so the critique (the completion) starts on a line of its own.
public enum CritiquePrompt {
    public static func render(question: String, solution: String) -> String {
        """
        Question:
        \(question.trimmingWhitespace)

        Solution:
        \(solution.trimmingWhitespace)

        Check the solution step by step, then end with "\(Critique.rightConclusion)" or "\(Critique.wrongConclusion)".

        """
    }
}

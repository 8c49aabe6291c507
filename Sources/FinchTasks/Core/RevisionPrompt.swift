import Foundation

/// The sequential revision of Chu et al. 2025 ("SFT Memorizes, RL Generalizes", §4): after a
/// wrong answer the model is shown that answer and the verifier's reason, and asked again.
///
/// The revision opens with the task's original prompt, then the question again in short
/// (`VerifiableTask.revisionQuestion`), the failed answer and its reason. Only the latest failed
/// answer is shown, not every earlier one, so every revision has about the same length.
public enum RevisionPrompt {
    /// Answers longer than this are cut before they are quoted back: a rambling answer must
    /// not push the question out of the context.
    public static let quotedAnswerLimit = 160

    /// The question (`VerifiableTask.revisionQuestion`), then the failed answer and why it failed.
    public static func text(question: String, failedAnswer: String, reason: String) -> String {
        let quoted = failedAnswer.count > quotedAnswerLimit ? String(failedAnswer.prefix(quotedAnswerLimit)) + "…" : failedAnswer
        let question = question.hasSuffix("\n") ? question : question + "\n"
        return question + "Your answer was:\n" + quoted.trimmingCharacters(in: .newlines)
            + "\nYou failed this trial because " + reason + ". Try again.\n"
    }
}

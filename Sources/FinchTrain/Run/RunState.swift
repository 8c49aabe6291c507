/// What every trainer's resumable state has, so the run harness can drive the step loop,
/// restore the optimiser and keep ETAs across resumes.
public protocol RunState: Codable, Equatable, Sendable {
    /// Updates completed.
    var step: Int { get }
    /// AdamW's bias-correction step count of the policy.
    var optimizerStep: Int { get }
    /// Seconds of training before this checkpoint.
    var elapsedSeconds: Double { get set }
    /// Where the run stands, for the "resumed from" line ("step 40, sample 1280").
    var summary: String { get }
}
